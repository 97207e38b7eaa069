"""Batch 14: subtler conduct: polite deflection, a veiled threat to a real victim, sighs and rushing by officers
who still act, insults aimed at a suspect; helper dlg2."""

DATA = """
@ counter | polite | theft | no_action | - | - | - | -
P: 您好，我想报案，我放在楼道里的婴儿车被人偷了，一千多块买的。
O!SHK: 您好，真不好意思，今天我们的报案系统在升级维护，录不进去，麻烦您明天再来一趟好吗？
P: 可是我请了半天假才来的……能不能先手写记下来？
O!SHK: 手写的也要录系统，要不您明天上午来，我们人少一点，很快的。
P: ……那好吧，我明天再来。

@ phone | plain | assault | no_action | report | important | injury | -
P: 喂，你好，我想报案，我昨晚在酒吧门口被人打了，眼睛肿了。
O!THR: 你确定要报？我提醒你，报假案是要拘留的，你喝了酒说不清楚，到时候查出来不是那么回事，你自己要担责任。
P: 我……我没报假案，是真的被打了……
O!THR: 那你想清楚了再来，别到时候把自己搭进去。
P: ……那我再想想。

@ dispatch | northern | domestic_violence | pending | report | urgent | domestic_violence | -
P: 喂，一一零，我是二号楼五单元的，楼上那家男的又在打老婆了，那女的嗷嗷叫。
O!IMP: 又是那家？这个月都第三回了，打完了又和好，折腾谁呢。
P: 可是这回叫得特别惨……
O: ……行，地址再说一遍，哪个小区？
P: 阳光花园，二号楼五单元六楼。
O: 民警马上过去。

@ counter | sichuan | fraud | case_accepted | - | - | fraud | -
P: 警察同志，我被骗了，网上贷款，说要先交解冻费……
O!IMP: 唉……又是一个，贷款要先交钱的全是骗子，天天讲天天有人上当。
P: 我也是急着用钱嘛，交了六千多。
O: ……好嘛，坐下来说。转账记录有没有？对方的App还打得开不？
P: App打不开了，转账记录有。
O: 这个是网络贷款诈骗，我们受理。做个笔录，受案回执给你，账户我们报去查。

@ bodycam | plain | dispute | mediated | - | - | dispute | -
O!IMP: 派出所的，记录仪开着，快点快点，什么事，我后面还有三个警情。
P: 他倒车把我家院门撞歪了，还不认账。
T: 我是碰了一下，可你那门本来就是歪的。
O: 门撞歪了是事实，本来歪不歪另说。你们俩看，找个师傅把门正一下要多少钱？
P: 师傅说要三百。
T: 三百我出一半，一百五。
P: 一百五就一百五，赶紧转。
O: 行，就这么定了，当场转账，我这边记一下。

@ phone | shanghai | lost_property | advised | other | normal | - | -
P: 喂，派出所伐？阿拉老头子额老年卡落脱了，勿晓得有人交到侬搭伐？
O!IMP: 老年卡？老年卡落脱么自家去补呀，打到派出所做啥？
P: 阿拉想万一有人捡到交过来……
O: 阿拉搭没收到老年卡。侬带户口本、身份证到街道社区事务受理中心去补，先挂失，里向额钞票勿会落脱。
P: 噢，街道里就好补，谢谢侬。

@ dispatch | cantonese | noise | pending | report | normal | - | -
P: 喂，一一零？楼上日日半夜三更拖椅子、跳嚟跳去，而家两点啊。
O!IMP: 拖椅子都报警？你上去敲门话佢知咪得。
P: 我敲过好多次，佢唔开门，仲喺入面骂人。
O: ……好啦，你讲地址，我叫辖区民警上去。
P: 海珠区宝岗大道，九十八号，十八楼，佢系一九零三。
O: 民警会上去，你留意电话。

@ phone | formal | consultation | no_action | consult | normal | fraud | -
P: 您好，我想咨询一下，如果我在网上被骗了，应该在哪里报案？需要准备什么材料？
O!SHK: 您好，这个问题不在我们派出所的职责范围内，建议您咨询网警或者反诈中心。
P: 那网警和反诈中心的电话是多少？
O!SHK: 这个我这边也不清楚，您可以上网搜一下。
P: ……好吧。

@ bodycam | sichuan | theft | case_accepted | - | - | - | -
O: 我们是派出所民警，执法记录仪开起的。就是他偷的手机？
P: 就是他，在公交车上把手伸到我包包头，我一把抓到他手腕。
O!PRO: 你个贼娃子，年纪轻轻的做啥子不好，偷东西？
T: 我……我没偷，是她看错了……
O: 手机在你手上，公交车上有监控。这个盗窃案子我们受理，你跟我们走；这位女士也一起回所里做笔录，拿受案回执。

@ phone | filler | help_request | no_action | report | important | - | -
P: 喂，那个，你好，我对门，嗯，有个小孩一直在哭，哭了三个多小时了，大人好像不在家，那个，敲门也没人开。
O!SHK: 小孩哭啊，这个你找居委会，或者找物业，看能不能联系上他家大人。
P: 那个，居委会下班了，物业说他们也没钥匙，那个，孩子还小，好像就两三岁……
O!SHK,IMP: 那就等他家大人回来嘛，大人总要回来的。我们这边出警都是有事的。
P: 嗯……那，那好吧。

@ dispatch | plain | traffic | advised | report | normal | - | quoting: the operator repeats the other driver's words to check what happened
P: 喂，一一零，刚才有个司机别我车，我按了下喇叭，他摇下车窗骂我，说"再按就弄死你"，然后开走了。
O: 您说他说了"再按就弄死你"，然后就开走了，是吧？他有没有下车、有没有追您？
P: 没有，说完就开走了，现在看不见了。
O: 您现在安全吗？
P: 安全，我已经到单位停车场了，就是心里窝火。
O: 理解。要是您的行车记录仪录下了他的车牌和说的话，可以保存下来，想追究的话到交警部门反映他的危险驾驶。以后遇到这种情况别跟他较劲，保持距离，要是他追您、拦您，马上打一一零。
P: 行，记录仪录着呢，我回头看看。

@ counter | brusque | dispute | referred | - | - | enterprise,dispute | impatient_referral: labour arbitration is the right place; only the manner is impatient
P: 公司把我开了，一分钱补偿都不给，我要告他们！
O!IMP: 告公司来派出所？你走错门了。
P: 那我该去哪儿？
O!IMP: 劳动仲裁，区人社局二楼，带劳动合同、工资流水、解除通知，自己去。别在这儿嚷。
P: 说一句不就完了，态度这么差。
"""

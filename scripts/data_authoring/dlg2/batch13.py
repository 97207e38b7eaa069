"""Batch 13: last mixed batch: outcomes other than the one asked for, referrals withdrawn, quiet emergencies; helper dlg2."""

DATA = """
@ dispatch | numbers | traffic | pending | report | urgent | injury | -
P: 喂，一一零，高速上连环追尾了，四五辆车，有人卡在车里出不来。
O: 哪条高速？往哪个方向？有没有看到路边的公里牌？
P: 京港澳高速，往南走的方向，公里牌是K一千二百三十四，再往前一点，大概加五百米。
O: K一千二百三十四加五百，往南，好。有没有车着火、漏油？
P: 没着火，有一辆车在冒烟。
O: 高速交警、消防、一二零都已经派了。您打开双闪，人到护栏外面去，千万别站在车道上。

@ dispatch | shanghai | other | pending | report | urgent | mental_health,weapon | calm_urgent: a neighbour calmly describes an armed, disturbed man
P: 喂，一一零伐？阿拉弄堂里有个男额，拿把榔头在敲汽车玻璃，一部一部敲过去。
O: 他有没有伤人？
P: 还没，伊屋里人讲伊有精神病，药停脱了，现在啥人都勿敢靠近。
O: 具体地址？
P: 静安区北京西路，一千零二十弄。
O: 民警马上到。你们不要靠近，也别跟他说话刺激他，把弄堂里的小孩、老人叫回屋里。
P: 好额，阿拉晓得了。

@ dispatch | northern | dispute | pending | report | urgent | mass_incident,dispute,weapon | -
P: 喂，一一零，我们村跟隔壁村因为地界的事儿打起来了，两边都有三四十号人，手里拿着棍子、铁锹！
O: 现在已经动手了吗？有没有人受伤？
P: 刚推搡上，有人挨了一棍子，头破了。
O: 地址？
P: 河西乡，柳树屯跟王家屯交界那块地，大桥东边。
O: 我马上调派出所和巡特警过去，一二零也派了。您别往里冲，劝你们村的人先往后撤。

@ dispatch | plain | help_request | pending | report | urgent | self_harm | -
P: 喂，一一零……（哭）我老公……把自己关在车里……
O!IMP: 别哭了，哭我听不清，说清楚，车在哪儿？
P: 在我们家楼下车库……他给我发消息说对不起……车窗上全是雾……好像在烧炭……
O: 地址，小区名字。
P: 翠湖苑……地下车库……B区……
O: 民警、消防、一二零马上到。您找东西砸开车窗，让车里通风，把他拖出来，别自己在车里待太久。

@ dispatch | polite | fraud | advised | consult | normal | fraud | -
P: 您好，想请您帮忙判断一下。刚才有个电话说是我女儿学校的财务，说多收了学费要退给我，让我下载一个会议软件开共享屏幕。
O: 您有没有下载？有没有开共享屏幕或者告诉对方验证码？
P: 还没有，我觉得有点奇怪，就先挂了。
O: 您做得非常对。学校退费不会让您下载会议软件、开屏幕共享，这是典型的诈骗手法。您可以直接打班主任或者学校的官方电话核实。
P: 好的，我问了班主任，她说根本没有退费这回事。
O: 那就对了。那个号码拉黑，以后遇到类似情况都先核实。

@ dispatch | sichuan | dispute | referred | report | normal | - | impatient_referral: the platform is indeed the right place, the manner is impatient
P: 喂，一一零，我点的外卖两个钟头了还没送到，商家说送了，骑手说没拿到，我饿得遭不住了！
O!IMP: 外卖没送到也打一一零？
P: 我找平台，平台客服一直转人工转不通嘛。
O!IMP: 那你继续打平台，一二三一五也行，一一零不是给你催外卖的。
P: 好嘛好嘛，凶啥子嘛。

@ phone | numbers | fraud | pending | report | important | fraud | -
P: 喂，我刚发现我的银行卡被人盗刷了，一共刷了三笔，一笔四千九百九十九，一笔三千零八，一笔一千二百六，卡还在我手上。
O: 卡在您手上，那是信息被盗了。您先打银行的电话把卡冻结，然后去最近的自助机或者柜台做一笔交易，证明卡在您手上。
P: 冻了，银行说让我报警。
O: 好，我这边先给您登记下来，三笔交易的时间和商户名称您念一下。明天上午您带身份证、银行卡和银行的交易明细来所里，我们看了材料再确定怎么立案，同时我们先跟银行核实商户信息。
P: 好，明天上午九点我过来。

@ phone | plain | consultation | advised | consult | normal | - | -
P: 你好，我想问一下，养狗要办证吗？在哪里办？
O!IMP: 要办，网上都有，你们年轻人不是最会上网吗？
P: 我就是想问问清楚，要带狗去吗？
O: 要带狗去打疫苗的地方，先打狂犬疫苗，拿着免疫证明，再在"养犬登记"小程序上申请，一年一检。大型犬、烈性犬市区不能养。
P: 好的，我家是柯基，应该没问题。

@ phone | northern | theft | referred | report | important | - | legit_referral: a theft on a train belongs to the railway police; the station registers it and hands it over
P: 喂，派出所吧，我昨儿坐火车，手机在车上让人偷了，下车才发现。
O: 您好，哪趟车？在车上什么位置丢的？
P: K三三九，硬卧，八号车厢，我睡觉的时候放枕头边上的。
O: 在列车上发生的案件由铁路公安管辖，他们能调列车上的监控、查同车厢的旅客。我这边把您的情况先登记下来，转给铁路公安处，您也打一下铁路公安的报警电话，说这个车次和车厢。
P: 那他们会联系我吗？
O: 会的，我把您的电话一并转过去。

@ phone | cantonese | dispute | no_action | report | important | dispute | -
P: 喂，派出所？我系开餐厅嘅，有四个食客食完唔畀钱，仲推跌咗我哋啲椅，而家喺门口准备走。
O!SHK: 食客唔畀钱，你哋自己同佢倾啦，呢啲系消费纠纷。
P: 佢哋仲推咗我个伙计一下，打烂咗嘢，你哋唔过嚟睇下？
O!SHK,IMP: 打烂嘢就叫佢赔啦，我哋呢边好多警情，你自己搞掂佢。
P: 咁……咁佢哋走咗点算？
O!IMP: 走咗就走咗啦。

@ phone | filler | assault | case_accepted | report | important | injury | asked_mediation_got_case: the caller only wants an apology, but a fracture means the case is accepted
P: 喂，那个，我想问一下，就是，前天在小区里，一个人，嗯，跟我吵架推了我，我手腕摔骨折了，我，那个，就是想让他道个歉。
O: 您手腕骨折，医院有诊断吗？
P: 有，那个，桡骨骨折，打了石膏。
O: 骨折很可能构成轻伤，这就不是道歉能了结的事了，是刑事案件，我们必须受理。您今天或者明天带着病历、片子到所里，我们做笔录、安排伤情鉴定。
P: 那个，我其实，嗯，不想把事情闹大……
O: 我理解。受理以后您的权益才有保障，赔偿的事在程序里也能谈。受案回执到时候给您。
P: 哦……那，那好吧。

@ phone | sarcastic | other | pending | complaint | important | - | -
P: 喂，我想问问你们所里的规矩，上个月你们叫我去做笔录，把我手机扣下了说要取证，到现在都没还，是准备留着当纪念吗？
O: 您好，实在抱歉。您的姓名和当时办案民警的名字还记得吗？
P: 我叫郑伟，民警姓吴，给了我一张扣押清单。
O: 好，我记下了。扣押物品应当在取证完成后及时返还，这个我现在就报给我们教导员，让吴警官明天之内联系您，说明取证进度和返还时间。
P: 明天之内，我可等着了，再没消息我就找督察。
O: 没问题，明天下班前没人联系您，您打我这个电话。

@ phone | formal | other | referred | consult | normal | enterprise | legit_referral: unpaid social insurance is for the social insurance agency
P: 您好，我发现我工作的公司三年来一直没有给我缴纳社保，但是工资条上每个月都扣了社保费用。请问我应该向哪个部门反映？
O: 您好，用人单位不依法缴纳社会保险，由人力资源和社会保障部门的社保稽核和劳动监察负责，您可以拨打一二三三三，或者到区社保中心投诉。
P: 公司扣了钱却不缴，这不算诈骗吗？
O: 要看公司是否有非法占有的故意，一般先由劳动监察和社保部门责令补缴。如果他们在查处过程中发现涉嫌犯罪，会移送公安机关。您先保存好工资条和劳动合同。
P: 好的，我先去社保中心。

@ dispatch | fragment | help_request | pending | report | urgent | - | -
P: 一一零……水……涨上来了……
O: 您在哪里？现在在什么位置？
P: 在屋顶上……河边……李家湾……三个人……有个老人……
O: 水到哪儿了？房子稳不稳？
P: 到二楼了……还在涨……
O: 消防救援和民警的冲锋舟马上过去。你们待在屋顶最高的地方，别下水，晚上用手电筒往天上照。

@ bodycam | shanghai | assault | case_accepted | - | - | injury | -
O: 阿拉是派出所民警，执法记录仪开着额。啥人打额人？
P: 就是伊！我讲伊插队，伊一拳头打过来，眼镜都打碎脱了。
T: 伊先推我额！
O!PRO: 侬只瘪三，插队还打人，还有脸讲人家推侬？
T: 侬哪能骂人啦？
O: ……打人的事体阿拉依法处理。这个殴打他人额案子阿拉受理了，两位都跟阿拉回派出所做笔录，受伤额先去医院验伤，回执到辰光拿给侬。

@ bodycam | numbers | theft | pending | - | - | - | -
O: 您好，我们是派出所民警，执法记录仪开着。家里被撬了是吧？您先别进去，保护现场。
P: 对，今天下午五点回来，门锁被撬了，抽屉全被翻过，少了现金八千块，一条金项链，还有两块手表。
O: 您把丢的东西列个清单，价格大概多少都写上。技术科的同事十分钟到，先提取指纹和脚印，小区的监控我们一并调。
P: 那什么时候能有消息？
O: 要等现场勘查的结果和监控比对，有进展我们马上通知您。今天晚上您先住别的地方，门锁先别换。

@ counter | sichuan | fraud | case_accepted | - | - | fraud | referral_then_accepted: the officer first mentions 12315, then hears it is a vanished overseas-shopping agent and takes the case
P: 警察同志，我找人代购包包，钱付了三个月了，东西一直没到。
O: 代购是在正规平台下的单吗？如果是平台上的店铺，可以先找平台，或者打一二三一五。
P: 不是平台，是朋友圈的一个代购，我给她微信转了两万六，现在她朋友圈也关了，把我拉黑了，好多人都在找她。
O: 好多人都被她拉黑了？这就不是消费纠纷了，是以代购为名骗钱，我们按诈骗受理。您把转账记录、聊天记录给我们，其他被骗的人也可以来报案。
P: 我们有个群，有二十几个人。
O: 那让他们都来，做笔录，受案回执一人一份。

@ counter | plain | help_request | referred | - | - | - | legit_referral: a lost passport of a foreign visitor goes to exit-entry and the consulate, with the loss report issued
P: Excuse me……您好，我是韩国人，我的护照丢了，后天要回国。
O: 您好，请坐。护照在哪里丢的？
P: 可能在出租车上，昨天晚上。我不知道怎么办。
O: 我先给您出具一份护照报失证明。然后您拿着这份证明去市出入境管理局办理出境手续，同时联系韩国领事馆补发旅行证件。我把地址和电话写给您。
P: 领事馆……出入境……好的，谢谢，谢谢。
O: 出入境在人民路三十号，您明天一早就去，时间来得及。

@ bodycam | brusque | dispute | no_action | - | - | dispute | -
P: 警察同志，这个卖茶叶的说是正宗的西湖龙井，八百一斤，我拿回家一泡，根本不是！
T: 我这个就是龙井，你自己不会泡。
O!IMP: 八百块的茶叶也要叫警察？
P: 这是骗人啊，我要他退钱！
O!THR,PRO: 你个老东西啰嗦什么？再在这儿闹，把你铐回去！
P: ……你，你怎么这样说话？
O!SHK: 买卖的事自己解决，收队。

@ counter | northern | noise | advised | - | - | - | asked_arrest_got_advice: the visitor wants the neighbour detained; the officer explains the law and advises
P: 同志，楼上那家天天半夜开派对，我要求你们把他拘留了！
O: 您先别急。每次您都报警了吗？民警去过吗？
P: 报了两回，去了两回，去了就消停，走了又开始。
O: 夜间噪音扰民，按规定先警告，警告后不改正的可以罚款。拘留要看情节，不是报一次就能拘的。您以后每次都报警，民警每次出警都有记录，累计下来就能依法处罚。另外您可以录音录视频，找物业在业主群里公示。
P: 合着还得让我继续熬着。
O: 每一次报警都有用，我们也会跟社区民警说一声，让他多关注。

@ bodycam | cantonese | dispute | mediated | - | - | dispute | -
O: 我哋系派出所民警，执法记录仪录紧。又系呢两间铺？
P: 佢装修打电钻，震到我间铺啲玻璃杯跌晒落地，烂咗二十几只。
T: 我装修有批文㗎，日头开工，又唔系夜晚。
O!IMP: 讲重点啦，系咪要赔杯？
P: 系，二十三只杯，一只三十蚊。
O: 装修合法，但是把人家东西震坏了也要赔。老板，你看赔一半行不行？三百五，以后开工前跟隔壁打个招呼，让他把杯子收好。
T: 三百五……好，我畀。
P: 得，下次早啲讲声。

@ counter | numbers | fraud | case_accepted | - | - | fraud | -
P: 你好，我收到催缴短信，说我名下有三张手机卡欠费，可我就办过一张。营业厅说另外两张是去年在外地用我身份证办的。
O: 号码是多少？在哪里办的？
P: 一七零，三三二一，零九八七，还有一七一，六六零四，五五二零，都是在广州办的，我从来没去过广州。
O: 您的身份证以前丢过吗？
P: 前年丢过一次，补办了。
O: 有人冒用您的身份证件办卡，这些卡可能被用于诈骗。我们受理，给您做笔录，出具受案回执，您拿回执去运营商要求注销、不承担欠费。
P: 好，那太好了。

@ bodycam | plain | other | advised | - | - | weapon | lawful_warning: the officer explains the rule on carrying knives, with its basis, and lets the man go
O: 您好，我们是地铁公安，这是我的证件，执法记录仪开着。安检查到您包里有一把刀，能拿出来看看吗？
P: 哦，是菜刀，刚在商场买的，还没拆包装，回家做饭用的。
O: 有购物小票吗？
P: 有，你看，十分钟前买的。
O: 核实了。管制器具和刀具是不能带进地铁的，这是规定，不是针对您。您可以把刀寄存在安检处，或者改坐公交、打车回家。
P: 那我打车吧，谢谢提醒。
"""

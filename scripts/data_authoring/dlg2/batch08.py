"""Batch 08: 110 emergency calls: transfers, advice, invalid and deflected calls, a few dispatches; helper dlg2."""

DATA = """
@ dispatch | plain | dispute | mediated | report | normal | dispute | -
P: 喂，一一零吗？我是便利店的店员，有个顾客非要退一瓶开过的酒，不给退他就不走，在店里骂人。
O: 您好，顾客在旁边吗？您把电话给他，或者开免提。
T: 警察同志，我买的时候不知道是过期的，你看看生产日期，都过期半个月了！
O: 店员同志，商品过期了吗？
P: ……我看一下，哦，真是过期了，货架上没清理。
O: 销售过期食品，店里要退，按规定还可以要求赔偿。这样，你们把钱退了，再赔个一百块，这事就算了，行不行？
T: 退钱加一百，行，我也不想闹。
P: 我跟店长说一下……店长同意了。
O: 好，那就这么办，双方别再争了。

@ dispatch | polite | theft | pending | report | important | - | registered_not_filed: the operator says the call is registered, but the outcome is a unit sent to take the report
P: 您好，我刚才在商场试衣服，包放在试衣间外面，出来包就不见了，里面有钱包和钥匙。
O: 您好，大概多长时间之前？商场保安知道了吗？
P: 二十分钟前，保安在帮我看监控，看到一个女的拿了我的包往电梯走了。
O: 好的，您这个警情我们已经受理，受理号是二零一一三零零四二。商场是城中派出所的辖区，所里的民警会到商场调取监控，给您做笔录、开受案回执。
P: 我需要在这里等吗？
O: 对，您在保安室等，民警到了直接找您。银行卡可以先挂失。

@ dispatch | northern | other | referred | report | normal | - | legit_referral: an illegal rooftop build is urban-management business
P: 喂，一一零啊，我们楼顶有人在搭彩钢房，叮叮当当的，这不是违建吗？
O: 您好，现在有没有人员冲突，或者东西掉下来砸到人？
P: 那倒没有，就是觉得不对劲儿，楼顶是公共的。
O: 违法建设由城管执法部门查处，您拨打一二三四五，或者直接打城管的举报电话，说清楚小区、楼号，他们会来现场核查、责令拆除。
P: 一二三四五是吧，行，我打。

@ dispatch | fragment | help_request | referred | report | urgent | - | -
P: 一一零……我爸……捂着胸口……倒了……
O: 他还有意识吗？有没有呼吸？
P: 有……在喘……说不出话……
O: 您马上打一二零，或者我现在给您转接一二零急救，不要挂机。家里有没有速效救心丸？
P: 有……有……
O: 给他舌下含几粒，让他半躺着别动。正在为您转接一二零，请稍等。

@ dispatch | sichuan | other | referred | complaint | normal | - | legit_referral: a taxi refusing fares is for the transport hotline
P: 喂，一一零，我在火车站打车，出租车一个二个都拒载，说我去的地方太近了，啥子服务嘛！
O: 您好，有没有司机跟您发生冲突、动手的情况？
P: 那倒没得，就是气人。
O: 出租车拒载由交通运输部门管理处罚，您记下车牌号，打一二三二八投诉，他们会查处司机。您现在可以到车站的出租车候车区排队，那边有调度员。
P: 一二三二八，好嘛，我记到了。

@ dispatch | shanghai | other | referred | report | urgent | - | -
P: 喂，一一零，阿拉弄堂口一部汽车烧起来了，黑烟老大，车里勿晓得有没有人。
O: 您离车远一点，旁边有没有人被困？
P: 看勿清爽，好像是空车，停了交关辰光了。
O: 我马上把电话转给一一九消防，您把地址跟他们说清楚，不要靠近车辆，当心爆炸。
P: 好额好额。
O: 请不要挂机，正在为您转接一一九。

@ dispatch | filler | traffic | referred | report | normal | - | -
P: 喂，那个，一一零，我在高架下面，嗯，跟一个出租车追尾了，我撞的他。
O: 您好，有没有人受伤？车能开吗？
P: 没人伤，那个，车能开，就是他说要报警，要交警来。
O: 没有人受伤的轻微事故，我给您转接一二二交警台，他们会指导你们快处快赔或者派交警。你们先把车挪到路边，开双闪，人站到护栏外面。
P: 哦，好，那个，转吧。
O: 正在为您转接一二二。

@ dispatch | plain | consultation | advised | consult | normal | - | -
P: 你好，我想问问，我在网上发了一个视频，骂了一个商家是黑心店，他说要告我，还说要报警抓我，我会被抓吗？
O: 您好，您视频里说的是事实吗？有没有编造内容、有没有用侮辱性的话？
P: 就是说他们卖的东西跟图片不一样，用了"黑心"两个字。
O: 一般是民事上的名誉纠纷，他可以去法院起诉您。您反映的是真实的消费经历，注意不要编造和辱骂就行。建议您把不当的用词删掉或者修改，留好购物的证据。
P: 哦，那我改一下措辞，谢谢你。

@ dispatch | northern | fraud | advised | consult | important | fraud | fraud_prevented: the caller checks before paying; nothing is lost and the operator explains
P: 喂，一一零啊，我问问啊，刚才有人给我打电话，说是我孙子，嗓子哑了，说在外地打架了，让我给他打两万块钱，别跟他爸妈说。
O: 大爷，您打钱了吗？
P: 还没呢，我寻思先问问你们，那声儿听着不太像。
O: 您做得太对了，这是冒充亲属的诈骗。您现在给您孙子本人或者他爸妈打个电话核实一下，一分钱都别打。
P: 我这就打……哎，我孙子说他在学校上课呢，啥事儿没有。
O: 那就对了。以后再有这种让您打钱、还让您保密的电话，一律挂掉，先跟家里人核实。

@ dispatch | filler | other | advised | consult | normal | - | -
P: 喂，那个，我把自己锁门外了，钥匙在屋里，那个，你们能来帮我开个门吗？
O: 您好，屋里有没有小孩、老人，或者火上有没有炖着东西？
P: 没有没有，就我一个人住，那个，就是进不去了。
O: 这种情况一般不派警。您可以找在公安备案的正规开锁公司，开锁的时候他会核实您的身份。小区物业一般有联系电话。
P: 哦，那个，好，我问问物业。

@ dispatch | polite | other | advised | consult | normal | - | -
P: 您好，我想问一下，我的车停在路边，刚回来就不见了，地上有个单子，好像是被拖走了，我不知道去哪儿找。
O: 您好，单子上写的是哪个单位？
P: 写的是……交警支队，清障。
O: 那就是违停被交警拖移了，不是被偷。单子上应该有停车场的地址和电话，您带上驾驶证、行驶证去交警的违法处理窗口处理完，就能去停车场取车。
P: 哦，原来是这样，吓我一跳，谢谢您。

@ dispatch | sarcastic | noise | advised | report | normal | - | -
P: 喂，一一零，楼上那家又在跳绳，咚咚咚的，他们家是要去参加奥运会吧？
O: 您好，现在是几点？跳了多久了？
P: 晚上七点半，跳了二十分钟了，天天这个点。
O: 晚上七点半不属于夜间休息时间，孩子跳绳也是锻炼。建议您跟楼上商量一下，铺个垫子，或者换到楼下空地跳。要是晚上十点以后还有噪音，您再打电话，我们派人过去。
P: 行吧，那我上去跟他们说说铺个垫子。

@ dispatch | plain | other | no_action | report | normal | mental_health | -
P: 喂，一一零，我又要报警了，对门那家人一直用仪器往我家发射电波，我脑袋嗡嗡的，睡不着觉。
O: 阿姨，您好，您是郑阿姨吧？您前几天也打过电话。
P: 对，就是我，你们上次来看了说没有，但是他们换了个更厉害的机器。
O: 阿姨，上次民警去检查了，对门家里没有什么仪器。您最近按时吃药了吗？家里人在身边吗？
P: 我女儿晚上才回来……药吃了……
O: 好，那今天就不派人过去了，您先躺下休息一下，晚上跟女儿说一说。
P: 那好吧……

@ dispatch | brusque | other | no_action | report | important | - | -
P: 一一零，我举报，我们小区地下室有人开赌场，天天晚上十几个人在里面推牌九，输了钱还打架。
O!IMP: 你怎么知道是赌场？你进去看过？
P: 我没进去，可是每天都有人进进出出，还有人望风。
O!SHK: 没证据别瞎举报。你要举报就写个材料，自己送派出所去，一一零不受理这种。
P: 我打一一零就是报警啊，你们去看看就知道了。
O!SHK,IMP: 我说了不受理，听不懂吗？

@ dispatch | fragment | other | no_action | other | normal | - | -
O: 你好，一一零。
P: ……（嘈杂声）……再来一杯……哈哈……
O: 喂？您好？请问需要帮助吗？
P: ……谁啊？……哦，手机在兜里……按着了……没事没事……
O: 好的，没事就好，请把手机锁屏。

@ dispatch | northern | help_request | no_action | report | urgent | - | cancelled_call: the missing child comes home during the call; nothing is sent
P: 喂，一一零，我闺女放学到现在还没回家，平时五点就到家了，现在都七点了，电话也打不通！
O: 孩子多大了？穿什么衣服？平时放学走哪条路？
P: 十二岁，穿校服，蓝白的……哎，等会儿，有人敲门……
O: 您先看看是不是孩子。
P: 是她！是她！跑同学家写作业去了，手机没电了。哎呀吓死我了。
O: 回来就好。那这边就不派人了，以后让孩子去哪儿提前说一声。

@ dispatch | brusque | fraud | no_action | report | important | fraud | -
P: 喂，一一零！我们小区有个什么健康讲座，天天送鸡蛋，把老头老太太骗去，一套床垫卖两万八，我妈已经买了一套了！
O!IMP: 你妈自己愿意买的，那叫买卖，不叫骗。
P: 他们说床垫能治癌症！这还不是骗？
O!SHK: 虚假宣传你找市场监管去，一一零管不了买卖的事。
P: 可是他们今天还在讲，还有一堆老人在里面！
O!SHK,IMP: 跟你说了找市场监管，别占线了。

@ dispatch | brusque | other | no_action | other | normal | - | party_profanity: the caller swears at the operator, who stays correct
P: 你们一一零是干什么吃的？老子打了三遍了才接！
O: 先生您好，请问您遇到什么紧急情况了？
P: 紧急情况？你们他妈的就知道罚款，今天又被贴了条，一帮废物！
O: 先生，如果您对交通违法处罚有异议，可以在交管一二一二三上申诉。一一零是紧急报警电话，请问您现在有需要报警的情况吗？
P: 滚！
O: 先生？……对方已挂机。

@ dispatch | plain | theft | pending | report | urgent | - | calm_urgent: an ongoing theft described in a flat voice
P: 你好，我在小区地下车库，看到一个戴帽子的男的在一辆一辆地拉车门，拉开了一辆，现在在里面翻东西。
O: 您现在安全吗？他有没有发现您？
P: 没发现，我在电梯口这边，隔着几根柱子。
O: 地址？
P: 金色家园，地下二层，靠近三号电梯。
O: 民警马上到。您别靠近他，也别出声，躲到电梯厅里，留意他往哪个出口走。
P: 好，他往B区那边去了。

@ dispatch | formal | other | pending | report | urgent | terror,weapon | calm_urgent: a teacher reports an online threat against a school in a measured voice
P: 您好，我是实验中学的老师。刚才有学生给我看了一个网上的帖子，有人说明天要带刀到我们学校"干一票大的"，还附了学校大门的照片。
O: 帖子是在哪个平台发的？发帖人的账号能看到吗？
P: 在一个贴吧里，账号名叫"黑夜行者零零七"，发帖时间是今天晚上八点十二分。我已经截图了。
O: 好的，请您把截图和帖子链接保存好，不要删除，也不要在群里扩散。我马上通报网安部门和辖区派出所，今晚就会有民警联系您和学校领导，明天早上学校周边会加强警力。
P: 好的，我等电话。

@ dispatch | fragment | help_request | pending | report | urgent | - | -
P: 一一零……有个小孩……被拽上车了……
O: 什么车？在哪里？
P: 白色面包车……没牌……在小学门口……往东开了……
O: 孩子多大？拽孩子的人长什么样？
P: 七八岁……男的……戴口罩……孩子在哭……喊妈妈……
O: 好，我马上布控拦截。您别挂电话，您看清车往哪个路口拐了吗？
P: 往……幸福路……拐了……

@ dispatch | cantonese | help_request | referred | report | important | - | -
P: 喂，一一零？我喺山度行山，迷咗路，天就黑喇，手机得返两成电。
O: 您好，您身边有人吗？有没有受伤？
P: 得我一个，冇受伤，就系唔识行出去。
O: 您把手机定位打开，我把您的电话转到一一九，山地救援由消防负责，他们会根据定位找您。转之前您记住：原地待着，别乱走，把手机省着用。
P: 好，我唔郁。
O: 正在为您转接一一九，请不要挂机。

@ dispatch | numbers | domestic_violence | pending | report | urgent | domestic_violence,weapon | calm_urgent: a woman gives only numbers and short answers while the abuser is near
P: 喂……我要……点一份外卖……
O: 您是不是不方便说话？如果是，您就回答"是"或者"不是"。
P: 是。
O: 身边的人在伤害您吗？
P: 是……他拿着刀……
O: 您的地址，说门牌号就行。
P: 和平路……一百二十六号……三楼……三零二……
O: 民警马上到，您保持电话接通，不用说话。

@ dispatch | sichuan | lost_property | advised | other | normal | - | -
P: 喂，一一零，我刚刚在公交车上把身份证弄丢了，明天要坐飞机，咋个办？
O: 您好，机场派出所可以办临时乘机证明，您提前一个半小时到机场，找机场派出所或者值机柜台旁边的临时身份证明窗口。
P: 那身份证会不会被别个拿去乱用嘛？
O: 您回来以后去户籍窗口补办，旧的就失效了。这几天您可以留意一下有没有人用您的身份办卡，有异常马上报警。
P: 要得，那我明天早点去机场。
"""

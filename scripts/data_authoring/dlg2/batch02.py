"""Batch 02: 110 emergency calls (报警录音), hand-written by helper dlg2."""

DATA = """
@ dispatch | plain | traffic | pending | report | urgent | injury | calm_urgent: a calm voice, but a person is lying injured on the road
O: 你好，一一零，请讲。
P: 你好，我在解放路和中山路路口，这边一辆电动车跟小轿车撞了，骑电动车的人躺地上没起来。
O: 人有意识吗？有没有出血？
P: 眼睛睁着，但是不说话，腿那块好像有血。轿车司机在旁边打电话。
O: 一二零打了吗？
P: 还没有，我不知道打没打。
O: 我这边同时给你通知一二零和交警，民警也马上过去。你别挪动伤者，注意自己安全，站到路边去。
P: 好，好的。

@ dispatch | fragment | domestic_violence | pending | report | urgent | domestic_violence,injury | -
P: 喂……警察叔叔……我爸在打我妈……
O: 小朋友别怕，你几岁了？你现在在哪里？
P: 十岁……在我房间……他拿皮带……我妈在哭……
O: 你家地址知道吗？哪个小区、几栋几楼？
P: 金桂园……八栋……一零零三……
O: 好，警察叔叔马上就到。你待在房间里把门锁上，别出去，电话别挂，好吗？
P: 嗯……

@ dispatch | filler | other | no_action | other | normal | - | lawful_warning: the operator warns a prank caller about the law, calmly and with basis
P: 喂，嘿嘿，那个，是一一零吗？
O: 是的，请问您有什么紧急情况？
P: 没，没有，就是，嗯，我同学说打一一零会有警察接，我试一下，嘿嘿。
O: 小朋友，一一零是报警电话，每一条线都可能有人在等着救命。没事乱打属于扰乱公共秩序，是要负法律责任的，家长也要被找。
P: 哦……那个，对不起，我不打了。
O: 好，以后有危险再打，挂了吧。

@ dispatch | northern | noise | pending | report | normal | - | -
P: 喂，一一零啊，我们楼上这都后半夜一点了，还在那儿蹦迪呢，低音炮咚咚的，整栋楼都睡不了。
O: 您好，您的地址是？
P: 和平区长白街道，锦绣家园九号楼，他家是七楼，七零一，我是六楼的。
O: 您上去敲过门没有？
P: 敲了，不开，里头估计喝多了，还冲楼下喊。我们可不敢再上去了。
O: 好的，我这边通知辖区派出所民警过去处理，您留意一下，民警到了会给您打电话。
P: 行，辛苦啊。

@ dispatch | sichuan | lost_property | referred | other | normal | - | legit_referral: an item left in a taxi belongs to the taxi company and transport hotline
P: 喂，一一零嗦，我包包落在出租车上头了，里头有电脑，咋个办嘛？
O: 您好，您记得车牌号吗？或者有发票没有？
P: 车牌没记到，发票倒是要了一张，在我手上。
O: 发票上面有车号和出租车公司的电话，您直接打过去，公司能联系到司机。要是打不通，您打一二三二八交通运输服务热线，他们专门管出租车的失物。
P: 哦，发票上真的有，川A，后面几个数字，好，我先打公司。
O: 对，先打公司，一般都找得回来。

@ dispatch | plain | help_request | pending | report | urgent | self_harm | calm_urgent: a calm, matter-of-fact call about a friend's farewell message
P: 你好，我想请你们去看一下我一个朋友。他半小时前给我发微信，说以后让我替他照顾他的猫，然后就关机了。
O: 他最近有什么情况吗？
P: 他刚离婚，工作也丢了，之前跟我说过活着没意思。我在外地，过不去。
O: 他的住址您知道吗？
P: 知道，南湖小区十五栋二单元六零一，他叫陈磊，三十四岁。
O: 好，我马上派最近的民警过去敲门，必要的话联系开锁和一二零。您继续给他打电话、发消息，有任何回复马上打给我们。
P: 好，谢谢，拜托快一点。

@ dispatch | brusque | dispute | advised | report | normal | dispute | -
P: 一一零吗？有人把车堵我车库门口了，我要出门，急着去接孩子！
O: 您好，车上有没有留挪车电话？
P: 没看见！气死我了，我要给他车砸了！
O: 您先别动车，砸了车您就从有理变没理了。您看一下挡风玻璃下面、仪表台上，一般都有电话号码牌。
P: ……哦，有个牌子，在雨刮器底下压着。
O: 您先打这个电话，十分钟还联系不上，您再打一二二，交警那边可以查车主挪车。
P: 行了行了，我打了，他说马上下来。不用你们了。
O: 好，有事再打。

@ dispatch | cantonese | theft | pending | report | urgent | - | calm_urgent: an ongoing burglary next door, reported in a whisper without alarm words
P: 喂，一一零？我细声讲啊，我隔离屋有两个人喺度撬紧门，个屋主去咗旅行。
O: 您好，您确定不是屋主家里人吗？现在还在撬吗？
P: 唔系啊，佢屋企人我识晒，呢两个戴住口罩，拎住工具，仲喺度撬紧。
O: 您的具体地址？
P: 天河区龙口西路，华景新城，十二座，十四楼，佢系一四零二，我系一四零一。
O: 好，民警马上到。您锁好门，别出去，也别出声，看到他们往哪边走可以告诉我们。
P: 好，我喺猫眼度睇住。

@ dispatch | polite | consultation | advised | consult | normal | - | -
P: 您好，不好意思打扰了，我就是想问一下，除夕晚上在小区里放烟花可以吗？
O: 您好，请问您在哪个区？
P: 在城区，江北那边。
O: 城区是全年禁止燃放烟花爆竹的，除夕也不行，被查到会罚款。郊区有几个指定燃放点，您可以关注一下区政府发的通知。
P: 哦，那好吧，孩子一直闹着要放，我跟他说说。谢谢您。
O: 不客气，以后咨询的事可以打一二三四五，一一零留给紧急报警。祝您新年快乐。

@ dispatch | numbers | fraud | pending | report | urgent | fraud | -
P: 喂，一一零，我想确认一下，有个警察说我涉嫌洗钱，让我把钱转到他们的安全账户，你们公安有这个规定吗？
O: 没有。公安机关从来没有安全账户，这是诈骗。您转钱了吗？
P: 还没有，他让我先去银行取，十五万，我现在在银行门口，他电话还在另一个手机上开着。
O: 您马上把那个电话挂掉，千万不要转。您在哪家银行？
P: 建设银行，人民路支行，门口。
O: 好，我通知人民路派出所的民警马上过去找您，您就在银行大厅里等，别离开，民警穿制服的，到了会叫您。
P: 好，我挂了，我在大厅里等。

@ dispatch | shanghai | help_request | pending | report | urgent | injury | -
P: 喂，一一零伐？阿拉姆妈一家头住额，刚刚打电话讲跌了一跤，爬勿起来了，门反锁额，阿拉钥匙勿来身边。
O: 您母亲多大年纪？现在还能说话吗？
P: 八十二岁，电话里还好讲闲话，讲腰痛，动勿了。阿拉在外地出差，赶勿过去。
O: 地址说一下。
P: 徐汇区漕溪北路，三百二十弄，五号，四楼。
O: 好，我们马上通知辖区民警和消防破门，同时叫一二零。您继续跟您母亲保持通话，告诉她有人马上来。
P: 好额好额，谢谢侬。

@ dispatch | sarcastic | other | no_action | complaint | normal | - | -
P: 喂，一一零啊，我就想问问，上礼拜我报的那个警，你们四十分钟才到，你们是走路来的吧？
O!IMP: 嫌慢啊？那你下回自己抓人呗，多快。
P: 你这什么态度？我是来反映问题的！
O!IMP: 反映去派出所反映，这是报警电话，没警情别占线。
P: 行，我记住你工号了。
O!IMP: 记吧记吧。

@ dispatch | plain | assault | pending | report | urgent | injury,weapon | -
P: 喂，一一零，我们这边烧烤摊打起来了，有人拿啤酒瓶砸人，头上全是血。
O: 现在还在打吗？
P: 还在打，四五个人打一个，地上那个不动了。
O: 地址？
P: 城南夜市，靠近加油站那一头，老王烧烤。
O: 好，民警和一二零马上到。您离远一点，别上去拉，注意打人的往哪跑、长什么样。
P: 好，一个穿红衣服的，拿着半截瓶子。

@ dispatch | filler | traffic | referred | report | normal | - | legit_referral: a minor scrape without injury is transferred to the traffic police line 122
P: 喂，那个，一一零吗，我，嗯，我跟人刮了一下，就是，在停车场出口这儿。
O: 您好，有人受伤吗？
P: 没有没有，就是，那个，车门蹭了一道，对方说是我全责，我觉得不是。
O: 没有人受伤，车能动的话，可以先拍照，用交管一二一二三上传快处快赔。要是对责任有争议，我现在把电话给您转到一二二交警，他们处理交通事故。
P: 哦，那个，那就转一下吧。
O: 好的，请不要挂机，正在为您转接一二二。

@ dispatch | formal | other | advised | consult | normal | - | -
P: 您好，我想反映一个情况。我们小区楼下有居民在绿化带旁边烧纸祭奠，请问这种行为是否违法？
O: 您好，在小区内焚烧纸钱，主要是存在火灾隐患，一般由社区和城管劝导，本身不构成违法犯罪。
P: 那我是否需要报警处理？
O: 如果只是烧纸，您可以提醒他们注意安全、远离车辆和易燃物。如果火势蔓延或者有人阻拦发生冲突，请立即拨打一一九或者一一零。
P: 明白了，谢谢。我去提醒一下他们。

@ dispatch | northern | dispute | no_action | report | important | dispute | cancelled_call: the caller withdraws before anyone is sent; no unit dispatched
P: 喂，一一零吗，我们这楼道里俩人吵起来了，嗓门老大了，好像要动手。
O: 您的地址是？
P: 道里区安发街，十六号，三单元……哎，等会儿……
O: 喂？您还在吗？
P: 在在，行了，他们被劝进屋了，不吵了，没事儿了，你们不用来了。
O: 确定不需要民警过去吗？
P: 不用不用，邻居都劝开了，给你们添麻烦了。
O: 好的，那这边就不派警了，要是再吵起来您再打。

@ dispatch | fragment | help_request | pending | report | urgent | injury | -
P: 一一零……河里……有个小孩……
O: 哪条河？具体在哪个位置？
P: 南河……人民公园后面……桥底下……在扑腾……
O: 旁边有人吗？有救生圈吗？
P: 有人在喊……没有救生圈……有个大爷下去了……
O: 消防、一二零和民警都已经派了，马上到。您在岸上别下水，找长竿子、绳子递过去。
P: 好……好……

@ dispatch | sichuan | noise | advised | report | normal | - | -
P: 喂，一一零嗦，我们楼下那个坝坝头，每天晚上跳广场舞，音响开得好大声哦，我娃娃要做作业。
O: 您好，现在几点钟？大概跳到几点？
P: 现在八点过，一般要跳到九点半。
O: 晚上十点以前的广场舞，主要靠社区和街道来协调音量和场地，您可以先跟领舞的阿姨商量一下，把音响往外面挪点、声音调小点。要是十点以后还在放，那属于夜间噪声扰民，您再打电话，我们派人过来。
P: 那好嘛，我明天喊社区的人来说一下。
O: 可以，社区网格员管这个很有经验的。

@ dispatch | plain | theft | no_action | report | normal | - | -
P: 喂，一一零吗？我的自行车昨天晚上在小区楼下被偷了，我想报案。
O!SHK: 昨天的事啊？那不是现在发生的，你别打一一零，明天自己去派出所报。
P: 可是我白天要上班，派出所五点就下班了……
O!SHK: 那我也没办法，一一零只管紧急警情，一辆自行车你自己想办法。
P: ……那就算了吧。

@ dispatch | polite | domestic_violence | advised | consult | important | domestic_violence | past_resolved_advice: the violence was last week, the caller asks only how to protect herself
P: 您好，我不是要报警，我就是想问一下……我老公上周打了我，现在没事了，他也道歉了。但我怕以后还会这样，我该怎么办？
O: 您好，您现在安全吗？他现在在您身边吗？
P: 他去上班了，我一个人在家，我很安全。
O: 好的。您可以向法院申请人身安全保护令，不需要先离婚。上次的伤您最好去医院看一下，留病历和照片，这都是证据。以后只要他动手，立刻打一一零，我们会出警，可以出具告诫书。
P: 保护令是去法院申请吗？要花钱吗？
O: 对，向您住所地的基层法院申请，不收费。妇联一二三三八也能帮您。
P: 好的，我记住了，谢谢你。
"""

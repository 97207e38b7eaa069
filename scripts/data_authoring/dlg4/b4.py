"""Batch 4 of dlg4 dialogues (compact notation, see write.py): more conduct problems, acceptances, refusals."""
D = [
("counter", "brusque", "assault", "case_accepted", None, None, ["injury"], "impatient officer, but the case is taken", """
P: 我被人打了，我要报案。
O[I]: 排队没看见吗？后面等着。
P: 我流着血呢！
O[I]: 行行行，说吧，谁打的？
P: 小区门口的保安，我进门他不让，推搡起来他打我鼻子。
O: 先去医院验伤，回来做笔录，我给你受案，回执在这儿领。
P: 好。
"""),
("bodycam", "plain", "theft", "case_accepted", None, None, [], None, """
O: 你好，我是派出所民警，记录仪开着。说一下什么情况。
P: 我家地下室的锁被撬了，里面两辆自行车、一箱酒没了。
O: 最后一次见到是什么时候？
P: 上周日。
O: 东西大概值多少？
P: 自行车一辆两千多，酒是茅台，六瓶。
O: 这个金额不小，给你立案。我们拍一下现场，你跟我们回去做笔录，拿回执。
"""),
("phone", "plain", "fraud", "case_accepted", "report", "important", ["fraud"], "asked for advice, case taken", """
O: 你好，东风派出所。
P: 你好，我就是想问问，我在网上办贷款，对方说我的银行卡号填错了，账户被冻结，要交解冻费，我交了三千，这个正常吗？
O: 不正常，这是贷款诈骗。还让你交钱吗？
P: 还让我再交五千，我还没交。
O: 别再交了。你带身份证和转账记录来所里，我们给你立案。我先给你登记上。
P: 啊……那好，我下午过去。
"""),
("counter", "plain", "domestic_violence", "case_accepted", None, None, ["domestic_violence", "injury"], None, """
P: 警察同志，我儿子打我。
O: 阿姨，您慢慢说。打哪了？
P: 他要钱，我不给，他就推我，我摔在地上，腰现在还疼。
O: 这不是家务事，是家暴。给您受案，做笔录，带您去验伤，对他出具告诫书。
P: 他……他会不会坐牢啊？
O: 先按程序处理，您的安全最要紧。回执给您。
"""),
("dispatch", "plain", "theft", "case_accepted", "report", "important", [], None, """
O: 你好，幺幺零。
P: 你好，我在公交车上，手机被偷了，我用别人的手机打的。
O: 哪路车？现在在哪站？
P: 五十六路，刚下车，人民广场站。
O: 发现时小偷还在车上吗？
P: 不知道，我下车才发现。
O: 你到人民广场站旁边的警务站去，民警给你受案，调公交车上的监控。
P: 好，我过去。
"""),
("bodycam", "northern", "assault", "case_accepted", None, None, ["injury", "weapon"], None, """
O: 您好，派出所民警，记录仪开着。伤着哪儿了？
P: 胳膊，他拿酒瓶子扎的。
T: 是他先骂人的！
O: 人送医院，你跟我们走，酒瓶子作为物证带走。这个案子我们受理了，伤者等会儿做笔录拿回执。
T: 我也挨了一拳呢！
O: 你的情况也会记进去。
"""),
("phone", "sichuan", "theft", "case_accepted", "report", "normal", [], None, """
O: 喂，你好，锦江派出所。
P: 喂，我那个，前几天在菜市场被偷了钱包，当时没报，现在想起来身份证在里头，是不是要报个案才能补？
O: 身份证补办不需要报案。但钱包被偷你想报案，也可以报。
P: 里头还有一千多现金，那还是报一下嘛。
O: 要得，你明天过来做个笔录，给你开回执。先在电话里登记一下名字。
P: 姓杨，杨勇。
"""),
("counter", "polite", "fraud", "case_accepted", None, None, ["fraud", "mass_incident"], None, """
P: 您好，我们是一起的，十二个人，都是一个养老理财项目的，说年化百分之十八，现在老板联系不上了。
T: 我们带了合同和收据，一共投了一百多万。
O: 你们推选两个代表做笔录，其他人把材料复印交上来，这个我们受案，转经侦。每个人都会有回执。
P: 好的好的，谢谢同志。
"""),
("dispatch", "fragment", "assault", "case_accepted", "report", "urgent", ["injury"], None, """
O: 幺幺零。
P: 被打了……在烧烤店，他们跑了。
O: 伤哪了？
P: 头……流血。
O: 一二零已派，民警马上到现场，你是受害人，到了做笔录，案子我们受理。
P: 嗯……
"""),
("bodycam", "filler", "fraud", "case_accepted", None, None, ["fraud"], None, """
O: 你好，我是派出所民警，执法记录仪开着。你说被骗了？
P: 就是，嗯，那个，我在路边，就是，有个人说他是从外地来的，手里有个什么，嗯，金佛，急用钱，两千卖我，我就买了，结果，就是，去金店一看，是铜的。
O: 那个人长什么样？
P: 四十来岁，瘦，口音南方的。
O: 这是诈骗，我们立案。你回所里做笔录，金佛带着，给你回执。
P: 嗯，好。
"""),
("phone", "brusque", "assault", "case_accepted", "report", "important", ["injury"], "impatient officer, but the case is taken", """
O[I]: 喂，什么事，快说。
P: 我在KTV被人打了，牙掉了一颗。
O: 人呢？
P: 跑了，我记得车牌号。
O[I]: 那你还打电话干嘛，直接来所里啊。
P: 我就是问能不能报。
O: 能报，来了给你立案，车牌号带着。
"""),
("counter", "plain", "lost_property", "case_accepted", None, None, [], "lost turns out stolen", """
P: 我来补身份证的，钱包丢了。
O: 在哪丢的？
P: 地铁上，我以为是掉了，可我包的拉链被划开了。
O: 拉链被划开那就是被偷了。给你按盗窃受案，同时办补证。回执拿好。
P: 哦，原来是这样。
"""),
("bodycam", "plain", "other", "case_accepted", None, None, [], None, """
O: 你好，我是民警，记录仪开着。你说有人在你家门口泼了油漆？
P: 对，你看这门，还写了“还钱”两个字，我根本不欠谁钱。
O: 监控有吗？
P: 楼道里有，物业说能调。
O: 我们受案，先拍照取证，你跟我们去做笔录，回执会给你。
"""),
("dispatch", "northern", "domestic_violence", "case_accepted", "report", "urgent", ["domestic_violence", "injury"], None, """
O: 幺幺零。
P: 我媳妇让她前夫给打了，就刚才，在楼下，那人还没走。
O: 伤情怎么样？
P: 脸肿了，嘴角流血。
O: 民警三分钟到，把人控制住，伤者做笔录，这事我们立案。
P: 好，快点。
"""),
("phone", "polite", "theft", "case_accepted", "report", "normal", [], None, """
O: 您好，建设路派出所。
P: 您好，不好意思打扰了，我家门口放的那盆兰花，挺贵的，昨天晚上被人搬走了，楼道监控拍到了，我想报个案，不知道可不可以。
O: 可以，多少钱买的？
P: 一千六。
O: 够立案了。您把监控录像拷一份，明天来所里做笔录，给您回执。我先登记下来。
P: 好的，谢谢您。
"""),
]
D += [
("counter", "brusque", "theft", "no_action", None, None, [], None, """
P: 我的自行车被偷了。
O[I]: 自行车？多少钱的？
P: 八百。
O[S]: 八百块的自行车，没监控，找不回来的，你报了也没用。
P: 那我就白丢了？
O[SI]: 你下次锁好点不就完了。
"""),
("bodycam", "plain", "dispute", "no_action", None, None, ["dispute"], None, """
O: 你好，我是民警，记录仪开着。
P: 他家装修把我家墙震裂了，我要他赔！
O[S]: 这是你们邻居之间的事，我们管不了，你们自己协商，协商不了去法院。
P: 那你们来干嘛的？
O[I]: 来看看有没有打架，没打架就行了。
T: 警察都说了，走吧。
"""),
("phone", "sarcastic", "fraud", "no_action", "report", "important", ["fraud"], None, """
O: 喂。
P: 我被人骗了，游戏装备，两千块。
O[I]: 游戏装备？你多大了还玩这个。
P: 我二十五，怎么了？
O[S]: 虚拟财产这种不好认定，你去找游戏公司吧。
P: 我就是要报案。
O[I]: 那你过两天有空来所里说吧。
"""),
("counter", "plain", "domestic_violence", "no_action", None, None, ["domestic_violence"], "advice that is really a refusal", """
P: 我老公昨晚打我了，你看我手上。
O: 夫妻吵架，床头吵床尾和。你们好好沟通，闹到派出所对孩子也不好。
P: 他不是第一次了。
O[S]: 家务事我们也不好插手，你回去跟他家里人说说。
P: 那……我就这么回去？
O: 回去冷静冷静。
"""),
("dispatch", "plain", "other", "no_action", "other", "normal", [], None, """
O: 你好，幺幺零。
P: 喂，我问一下现在几点了？
O: 这里是报警电话，不提供报时。请问有警情吗？
P: 没有，我就是手机坏了。
O: 没有警情请挂机，不要占用报警线路。
"""),
("bodycam", "brusque", "noise", "no_action", None, None, [], None, """
P: 你们可算来了，对面广场那个音响，吵了一晚上了。
O[I]: 现在都停了，你让我们处理什么？
P: 刚才还在响的，你们来太晚了。
O[S]: 停了就没法处理了，下次再说吧。
P: 下次？天天都这样！
O: 我们走了。
"""),
("phone", "plain", "assault", "no_action", "report", "important", ["injury"], None, """
O: 你好，城关派出所。
P: 你好，我上午在学校门口被一个家长推倒了，膝盖破了，想报警。
O[S]: 学校门口的事你找学校处理，我们这儿忙。
P: 学校说是打人要找警察。
O[S]: 你明天上班时间再来吧，今天所里没人。
P: 你不就在吗？
"""),
("counter", "sarcastic", "lost_property", "no_action", None, None, [], None, """
P: 我手机丢了，能不能帮我定个位？
O[I]: 你当我们是导航啊？
P: 那你们能做什么？
O[S]: 丢东西自己找，找不到就算了，这种不报案。
P: 万一是被偷的呢？
O[I]: 那你有证据你再来。
"""),
("dispatch", "filler", "help_request", "no_action", "report", "important", [], None, """
O: 幺幺零。
P: 那个，就是，我，嗯，被锁在家门外面了，孩子在里面，一岁，就是，嗯，在睡觉。
O[S]: 开锁找开锁公司，我们不开锁。
P: 可是孩子在里面……
O[S]: 网上搜一下开锁电话，他们来得快。
P: 哦……好吧。
"""),
("bodycam", "plain", "traffic", "no_action", None, None, [], "improper handling", """
O: 你好，交警，记录仪开着。
P: 他的车撞了我的车尾，他说是我急刹车。
T: 本来就是你急刹。
O[S]: 你俩自己找保险公司吧，我们这儿不定责。
P: 事故不是你们定责吗？
O[I]: 这点小事，走快速理赔，别堵路。
"""),
("phone", "filler", "dispute", "no_action", "report", "normal", ["dispute"], None, """
O: 喂，你好，北关派出所。
P: 哎，你好，就是，嗯，我那个，小区门口，那个，收废品的，就是，把我卖的纸板称少了，嗯，我跟他理论，他还骂我……
O[I]: 这也打电话？几块钱的事。
P: 不是钱的事，他骂人。
O[S]: 骂人我们也管不了，你别跟他计较。
"""),
("counter", "northern", "help_request", "no_action", None, None, [], None, """
P: 同志，我家老太太出门一天了还没回来，七十八了，有点糊涂。
O[S]: 失踪得满二十四小时才能立，你明儿再来。
P: 她是老年痴呆啊！
O[SI]: 规定就是规定，您先自己找找。
P: 这……
"""),
("dispatch", "plain", "traffic", "no_action", "report", "normal", [], None, """
O: 你好，幺幺零。
P: 你好，我在地下停车场，一辆车把我的车挡住了，出不去，车上没留电话。
O[I]: 挡车这种你找物业啊，打幺幺零干嘛。
P: 物业说找不到车主。
O[S]: 那我们也找不到，你等着吧。
"""),
]

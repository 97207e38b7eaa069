"""Batch 4 of dlg4 dialogues (compact notation, see write.py): more conduct problems, acceptances, refusals."""

D = [
    (
        "counter",
        "brusque",
        "assault",
        "case_accepted",
        None,
        None,
        ["injury"],
        "impatient officer, but the case is taken",
        """
P: 我被人打了，我要报案。
O[I]: 排队没看见吗？后面等着。
P: 我流着血呢！
O[I]: 行行行，说吧，谁打的？
P: 小区门口的保安，我进门他不让，推搡起来他打我鼻子。
O: 先去医院验伤，回来做笔录，我给你受案，回执在这儿领。
P: 好。
""",
    ),
    (
        "bodycam",
        "plain",
        "theft",
        "case_accepted",
        None,
        None,
        [],
        None,
        """
O: 你好，我是派出所民警，记录仪开着。说一下什么情况。
P: 我家地下室的锁被撬了，里面两辆自行车、一箱酒没了。
O: 最后一次见到是什么时候？
P: 上周日。
O: 东西大概值多少？
P: 自行车一辆两千多，酒是茅台，六瓶。
O: 这个金额不小，给你立案。我们拍一下现场，你跟我们回去做笔录，拿回执。
""",
    ),
    (
        "phone",
        "plain",
        "fraud",
        "case_accepted",
        "report",
        "important",
        ["fraud"],
        "asked for advice, case taken",
        """
O: 你好，东风派出所。
P: 你好，我就是想问问，我在网上办贷款，对方说我的银行卡号填错了，账户被冻结，要交解冻费，我交了三千，这个正常吗？
O: 不正常，这是贷款诈骗。还让你交钱吗？
P: 还让我再交五千，我还没交。
O: 别再交了。你带身份证和转账记录来所里，我们给你立案。我先给你登记上。
P: 啊……那好，我下午过去。
""",
    ),
    (
        "counter",
        "plain",
        "domestic_violence",
        "case_accepted",
        None,
        None,
        ["domestic_violence", "injury"],
        None,
        """
P: 警察同志，我儿子打我。
O: 阿姨，您慢慢说。打哪了？
P: 他要钱，我不给，他就推我，我摔在地上，腰现在还疼。
O: 这不是家务事，是家暴。给您受案，做笔录，带您去验伤，对他出具告诫书。
P: 他……他会不会坐牢啊？
O: 先按程序处理，您的安全最要紧。回执给您。
""",
    ),
    (
        "dispatch",
        "plain",
        "theft",
        "case_accepted",
        "report",
        "important",
        [],
        None,
        """
O: 你好，幺幺零。
P: 你好，我在公交车上，手机被偷了，我用别人的手机打的。
O: 哪路车？现在在哪站？
P: 五十六路，刚下车，人民广场站。
O: 发现时小偷还在车上吗？
P: 不知道，我下车才发现。
O: 你到人民广场站旁边的警务站去，民警给你受案，调公交车上的监控。
P: 好，我过去。
""",
    ),
    (
        "bodycam",
        "northern",
        "assault",
        "case_accepted",
        None,
        None,
        ["injury", "weapon"],
        None,
        """
O: 您好，派出所民警，记录仪开着。伤着哪儿了？
P: 胳膊，他拿酒瓶子扎的。
T: 是他先骂人的！
O: 人送医院，你跟我们走，酒瓶子作为物证带走。这个案子我们受理了，伤者等会儿做笔录拿回执。
T: 我也挨了一拳呢！
O: 你的情况也会记进去。
""",
    ),
    (
        "phone",
        "sichuan",
        "theft",
        "case_accepted",
        "report",
        "normal",
        [],
        None,
        """
O: 喂，你好，锦江派出所。
P: 喂，我那个，前几天在菜市场被偷了钱包，当时没报，现在想起来身份证在里头，是不是要报个案才能补？
O: 身份证补办不需要报案。但钱包被偷你想报案，也可以报。
P: 里头还有一千多现金，那还是报一下嘛。
O: 要得，你明天过来做个笔录，给你开回执。先在电话里登记一下名字。
P: 姓杨，杨勇。
""",
    ),
    (
        "counter",
        "polite",
        "fraud",
        "case_accepted",
        None,
        None,
        ["fraud", "mass_incident"],
        None,
        """
P: 您好，我们是一起的，十二个人，都是一个养老理财项目的，说年化百分之十八，现在老板联系不上了。
T: 我们带了合同和收据，一共投了一百多万。
O: 你们推选两个代表做笔录，其他人把材料复印交上来，这个我们受案，转经侦。每个人都会有回执。
P: 好的好的，谢谢同志。
""",
    ),
    (
        "dispatch",
        "fragment",
        "assault",
        "case_accepted",
        "report",
        "urgent",
        ["injury"],
        None,
        """
O: 幺幺零。
P: 被打了……在烧烤店，他们跑了。
O: 伤哪了？
P: 头……流血。
O: 一二零已派，民警马上到现场，你是受害人，到了做笔录，案子我们受理。
P: 嗯……
""",
    ),
    (
        "bodycam",
        "filler",
        "fraud",
        "case_accepted",
        None,
        None,
        ["fraud"],
        None,
        """
O: 你好，我是派出所民警，执法记录仪开着。你说被骗了？
P: 就是，嗯，那个，我在路边，就是，有个人说他是从外地来的，手里有个什么，嗯，金佛，急用钱，两千卖我，我就买了，结果，就是，去金店一看，是铜的。
O: 那个人长什么样？
P: 四十来岁，瘦，口音南方的。
O: 这是诈骗，我们立案。你回所里做笔录，金佛带着，给你回执。
P: 嗯，好。
""",
    ),
    (
        "phone",
        "brusque",
        "assault",
        "case_accepted",
        "report",
        "important",
        ["injury"],
        "impatient officer, but the case is taken",
        """
O[I]: 喂，什么事，快说。
P: 我在KTV被人打了，牙掉了一颗。
O: 人呢？
P: 跑了，我记得车牌号。
O[I]: 那你还打电话干嘛，直接来所里啊。
P: 我就是问能不能报。
O: 能报，来了给你立案，车牌号带着。
""",
    ),
    (
        "counter",
        "plain",
        "lost_property",
        "case_accepted",
        None,
        None,
        [],
        "lost turns out stolen",
        """
P: 我来补身份证的，钱包丢了。
O: 在哪丢的？
P: 地铁上，我以为是掉了，可我包的拉链被划开了。
O: 拉链被划开那就是被偷了。给你按盗窃受案，同时办补证。回执拿好。
P: 哦，原来是这样。
""",
    ),
    (
        "bodycam",
        "plain",
        "other",
        "case_accepted",
        None,
        None,
        [],
        None,
        """
O: 你好，我是民警，记录仪开着。你说有人在你家门口泼了油漆？
P: 对，你看这门，还写了“还钱”两个字，我根本不欠谁钱。
O: 监控有吗？
P: 楼道里有，物业说能调。
O: 我们受案，先拍照取证，你跟我们去做笔录，回执会给你。
""",
    ),
    (
        "dispatch",
        "northern",
        "domestic_violence",
        "case_accepted",
        "report",
        "urgent",
        ["domestic_violence", "injury"],
        None,
        """
O: 幺幺零。
P: 我媳妇让她前夫给打了，就刚才，在楼下，那人还没走。
O: 伤情怎么样？
P: 脸肿了，嘴角流血。
O: 民警三分钟到，把人控制住，伤者做笔录，这事我们立案。
P: 好，快点。
""",
    ),
    (
        "phone",
        "polite",
        "theft",
        "case_accepted",
        "report",
        "normal",
        [],
        None,
        """
O: 您好，建设路派出所。
P: 您好，不好意思打扰了，我家门口放的那盆兰花，挺贵的，昨天晚上被人搬走了，楼道监控拍到了，我想报个案，不知道可不可以。
O: 可以，多少钱买的？
P: 一千六。
O: 够立案了。您把监控录像拷一份，明天来所里做笔录，给您回执。我先登记下来。
P: 好的，谢谢您。
""",
    ),
]
D += [
    (
        "counter",
        "brusque",
        "theft",
        "no_action",
        None,
        None,
        [],
        None,
        """
P: 我的自行车被偷了。
O[I]: 自行车？多少钱的？
P: 八百。
O[S]: 八百块的自行车，没监控，找不回来的，你报了也没用。
P: 那我就白丢了？
O[SI]: 你下次锁好点不就完了。
""",
    ),
    (
        "bodycam",
        "plain",
        "dispute",
        "no_action",
        None,
        None,
        ["dispute"],
        None,
        """
O: 你好，我是民警，记录仪开着。
P: 他家装修把我家墙震裂了，我要他赔！
O[S]: 这是你们邻居之间的事，我们管不了，你们自己协商，协商不了去法院。
P: 那你们来干嘛的？
O[I]: 来看看有没有打架，没打架就行了。
T: 警察都说了，走吧。
""",
    ),
    (
        "phone",
        "sarcastic",
        "fraud",
        "no_action",
        "report",
        "important",
        ["fraud"],
        None,
        """
O: 喂。
P: 我被人骗了，游戏装备，两千块。
O[I]: 游戏装备？你多大了还玩这个。
P: 我二十五，怎么了？
O[S]: 虚拟财产这种不好认定，你去找游戏公司吧。
P: 我就是要报案。
O[I]: 那你过两天有空来所里说吧。
""",
    ),
    (
        "counter",
        "plain",
        "domestic_violence",
        "no_action",
        None,
        None,
        ["domestic_violence"],
        "advice that is really a refusal",
        """
P: 我老公昨晚打我了，你看我手上。
O: 夫妻吵架，床头吵床尾和。你们好好沟通，闹到派出所对孩子也不好。
P: 他不是第一次了。
O[S]: 家务事我们也不好插手，你回去跟他家里人说说。
P: 那……我就这么回去？
O: 回去冷静冷静。
""",
    ),
    (
        "dispatch",
        "plain",
        "other",
        "no_action",
        "other",
        "normal",
        [],
        None,
        """
O: 你好，幺幺零。
P: 喂，我问一下现在几点了？
O: 这里是报警电话，不提供报时。请问有警情吗？
P: 没有，我就是手机坏了。
O: 没有警情请挂机，不要占用报警线路。
""",
    ),
    (
        "bodycam",
        "brusque",
        "noise",
        "no_action",
        None,
        None,
        [],
        None,
        """
P: 你们可算来了，对面广场那个音响，吵了一晚上了。
O[I]: 现在都停了，你让我们处理什么？
P: 刚才还在响的，你们来太晚了。
O[S]: 停了就没法处理了，下次再说吧。
P: 下次？天天都这样！
O: 我们走了。
""",
    ),
    (
        "phone",
        "plain",
        "assault",
        "no_action",
        "report",
        "important",
        ["injury"],
        None,
        """
O: 你好，城关派出所。
P: 你好，我上午在学校门口被一个家长推倒了，膝盖破了，想报警。
O[S]: 学校门口的事你找学校处理，我们这儿忙。
P: 学校说是打人要找警察。
O[S]: 你明天上班时间再来吧，今天所里没人。
P: 你不就在吗？
""",
    ),
    (
        "counter",
        "sarcastic",
        "lost_property",
        "no_action",
        None,
        None,
        [],
        None,
        """
P: 我手机丢了，能不能帮我定个位？
O[I]: 你当我们是导航啊？
P: 那你们能做什么？
O[S]: 丢东西自己找，找不到就算了，这种不报案。
P: 万一是被偷的呢？
O[I]: 那你有证据你再来。
""",
    ),
    (
        "dispatch",
        "filler",
        "help_request",
        "no_action",
        "report",
        "important",
        [],
        None,
        """
O: 幺幺零。
P: 那个，就是，我，嗯，被锁在家门外面了，孩子在里面，一岁，就是，嗯，在睡觉。
O[S]: 开锁找开锁公司，我们不开锁。
P: 可是孩子在里面……
O[S]: 网上搜一下开锁电话，他们来得快。
P: 哦……好吧。
""",
    ),
    (
        "bodycam",
        "plain",
        "traffic",
        "no_action",
        None,
        None,
        [],
        "improper handling",
        """
O: 你好，交警，记录仪开着。
P: 他的车撞了我的车尾，他说是我急刹车。
T: 本来就是你急刹。
O[S]: 你俩自己找保险公司吧，我们这儿不定责。
P: 事故不是你们定责吗？
O[I]: 这点小事，走快速理赔，别堵路。
""",
    ),
    (
        "phone",
        "filler",
        "dispute",
        "no_action",
        "report",
        "normal",
        ["dispute"],
        None,
        """
O: 喂，你好，北关派出所。
P: 哎，你好，就是，嗯，我那个，小区门口，那个，收废品的，就是，把我卖的纸板称少了，嗯，我跟他理论，他还骂我……
O[I]: 这也打电话？几块钱的事。
P: 不是钱的事，他骂人。
O[S]: 骂人我们也管不了，你别跟他计较。
""",
    ),
    (
        "counter",
        "northern",
        "help_request",
        "no_action",
        None,
        None,
        [],
        None,
        """
P: 同志，我家老太太出门一天了还没回来，七十八了，有点糊涂。
O[S]: 失踪得满二十四小时才能立，你明儿再来。
P: 她是老年痴呆啊！
O[SI]: 规定就是规定，您先自己找找。
P: 这……
""",
    ),
    (
        "dispatch",
        "plain",
        "traffic",
        "no_action",
        "report",
        "normal",
        [],
        None,
        """
O: 你好，幺幺零。
P: 你好，我在地下停车场，一辆车把我的车挡住了，出不去，车上没留电话。
O[I]: 挡车这种你找物业啊，打幺幺零干嘛。
P: 物业说找不到车主。
O[S]: 那我们也找不到，你等着吧。
""",
    ),
]
D += [
    (
        "bodycam",
        "brusque",
        "dispute",
        "advised",
        None,
        None,
        ["dispute"],
        "party swearing, officer calm",
        """
O: 你好，我是民警，执法记录仪正在录像。请你冷静。
P: 冷静个屁！这孙子把我车划了还不认！
T: 谁划你车了，你有证据吗？
O: 说话别带脏字。监控我们看过了，这个角度拍不到是谁。
P: 他妈的，那就这么算了？
O: 你可以去找物业调更近的监控，有证据再来报案。今天两边都回去。
P: 行，我去找物业。
""",
    ),
    (
        "bodycam",
        "plain",
        "dispute",
        "advised",
        None,
        None,
        ["dispute"],
        "lawful_warning",
        """
O: 您好，我是派出所民警，警号零二八八一四，记录仪开着。你们在这儿拉横幅围着售楼处，已经影响通行了。
P: 我们就是要个说法，房子交不了。
O: 诉求可以去住建局信访窗口反映，这里不能堵门。请你们把横幅收起来，继续堵门违反治安管理处罚法，我们要依法处理。
P: 那……收了就是。
O: 谢谢配合。信访窗口地址我给你们。
""",
    ),
    (
        "phone",
        "plain",
        "consultation",
        "advised",
        "consult",
        "normal",
        [],
        "quoting",
        """
O: 你好，人民路派出所。
P: 你好，我想问一下，我朋友说“报了警也没用，你们不会管”，是真的吗？我想报个小额的被骗。
O: 您朋友那句“不会管”不对。被骗多少都可以来报，我们都会登记。
P: 就两百块，网上买东西没发货。
O: 两百块的话，先找平台申请退款，一般很快。平台不管再来报。
P: 好，那我先找平台。
""",
    ),
    (
        "counter",
        "polite",
        "consultation",
        "advised",
        None,
        None,
        [],
        None,
        """
P: 您好，请问我可以在这儿办理居住证吗？我刚搬过来，租的房子。
O: 可以，带身份证、租房合同，房东的房产证复印件。
P: 房东不愿意给房产证复印件怎么办？
O: 也可以让房东来一趟做个登记，或者社区出个居住证明。
P: 好的，明白了，谢谢。
""",
    ),
    (
        "dispatch",
        "sarcastic",
        "noise",
        "advised",
        "report",
        "normal",
        [],
        "joke",
        """
O: 你好，幺幺零。
P: 你好，我要报警，我室友打呼噜跟拖拉机似的，哈哈，开玩笑的。其实是，对面楼有人放烟花，咱这儿不是禁放吗？
O: 市区禁放。现在还在放吗？
P: 刚放完，也就几分钟，人我也看不着在哪。
O: 那这次就记一下。再放您直接打过来说具体楼号，我们派人去。
P: 行，好嘞。
""",
    ),
    (
        "phone",
        "northern",
        "lost_property",
        "advised",
        "other",
        "normal",
        [],
        None,
        """
O: 喂，您好，派出所。
P: 哎，同志，我在你们这片儿的公园里丢了一串钥匙，有人交上来没有？
O: 今天没有人交钥匙。您留个电话，有人送来了给您打。
P: 得嘞，一三九……您记一下。
O: 记下了，您也可以去公园管理处问问。
""",
    ),
    (
        "bodycam",
        "plain",
        "help_request",
        "advised",
        None,
        None,
        ["mental_health"],
        None,
        """
O: 你好，我是民警，记录仪开着。你在这站了很久了，有什么需要帮忙的吗？
P: 没……我就是心里很烦，工作丢了。
O: 家里人知道吗？
P: 不想告诉他们。
O: 这是心理援助热线的电话，二十四小时有人接，想聊聊可以打。要回家我们送你到地铁站。
P: 嗯，我自己走吧，谢谢你。
""",
    ),
    (
        "counter",
        "fragment",
        "lost_property",
        "advised",
        None,
        None,
        [],
        None,
        """
P: 户口本……丢了。
O: 补办户口本是吧？户主来吗？
P: 我是户主。
O: 带身份证，填个表，当场补。
P: 今天……能拿？
O: 能，十分钟。
""",
    ),
    (
        "phone",
        "plain",
        "domestic_violence",
        "advised",
        "consult",
        "important",
        ["domestic_violence"],
        None,
        """
O: 你好，和平派出所。
P: 你好，我想问一下，我姐姐被姐夫打，她不愿意报警，我能替她报吗？
O: 可以报，但我们需要她本人配合做笔录。你姐姐现在安全吗？
P: 现在回娘家了，安全。
O: 那你先劝她留好证据，伤拍照、去医院看病留病历。她愿意了就来所里，或者直接打幺幺零。
P: 好，我回去跟她说。
""",
    ),
    (
        "dispatch",
        "plain",
        "fraud",
        "advised",
        "consult",
        "normal",
        ["fraud"],
        None,
        """
O: 你好，幺幺零。
P: 你好，我收到一条短信，说我的医保卡被冻结，让我点链接解冻，我没点，这个是骗子吧？
O: 是诈骗短信，别点。可以下载国家反诈中心APP，把短信举报。
P: 好，那就不用报警了吧？
O: 没有损失不用报案，删掉就行。
""",
    ),
    (
        "counter",
        "cantonese",
        "consultation",
        "advised",
        None,
        None,
        [],
        None,
        """
P: 阿sir，我想问下，我个仔想考驾照，要唔要喺派出所开咩证明？
O: 不用，驾照直接去驾校报名，带身份证就行。
P: 噉佢系外地户口呢？
O: 外地户口要办居住证，在这儿办就行。
P: 明白，唔该。
""",
    ),
    (
        "bodycam",
        "formal",
        "other",
        "advised",
        None,
        None,
        [],
        "lawful_warning",
        """
O: 您好，我是城西派出所民警，这是我的警官证，执法记录仪已开启。这里是学校周边，请您不要在此兜售香烟。
P: 我就摆一会儿，马上走。
O: 向未成年人售烟是违法的，这次口头警告，再发现依法处罚。
P: 知道了，我这就收。
""",
    ),
    (
        "phone",
        "polite",
        "other",
        "advised",
        "complaint",
        "normal",
        [],
        None,
        """
O: 您好，城南派出所。
P: 您好，我想提个意见，你们所门口的停车位总被私家车占，我们来办事的人停不进去。
O: 感谢您的意见，我们记下了，会安排人员加强管理。
P: 好的，也不是投诉，就是希望改进一下。
O: 明白，谢谢您。
""",
    ),
    (
        "dispatch",
        "brusque",
        "other",
        "advised",
        "complaint",
        "important",
        [],
        None,
        """
O: 你好，幺幺零。
P: 我要投诉，刚才你们的警车开着警灯在路上乱窜，差点撞到我！
O: 请问在什么位置，大概几点？
P: 中山北路，十分钟前。
O: 警车可能在执行紧急任务。您的反映我们记下，转到督察部门核实。
P: 核实了要给我个说法。
O: 会有人联系您。
""",
    ),
]
D += [
    (
        "phone",
        "brusque",
        "noise",
        "pending",
        "report",
        "normal",
        [],
        "impatient officer, but dispatched",
        """
O[I]: 喂，又是你啊，又是楼上吵？
P: 对，又是楼上，两点了还在搬家具！
O[I]: 你天天打，我们天天去，累不累啊。
P: 那他天天吵我有什么办法？
O: 行，我让巡逻的过去。
""",
    ),
    (
        "dispatch",
        "plain",
        "theft",
        "pending",
        "report",
        "urgent",
        [],
        None,
        """
O: 你好，幺幺零。
P: 你好，我在地铁站，刚看到一个人在掏一个女的包，现在往出口走了。
O: 哪个站，哪个出口？
P: 体育中心站，C口，灰色外套，背个黑包。
O: 我通知地铁警务站，你别跟太近，保持电话。
P: 好。
""",
    ),
    (
        "bodycam",
        "brusque",
        "assault",
        "pending",
        None,
        None,
        ["injury"],
        "improper conduct while handling",
        """
O[IP]: 都给我闭嘴！一群醉鬼，吵什么吵。
P: 他打我！你看我眼睛！
T: 他先动手的！
O[T]: 再嚷嚷全部带回去关起来。都上车，回所里说。
P: 凭什么我也要去？
O: 两边都要做笔录。
""",
    ),
    (
        "counter",
        "plain",
        "fraud",
        "pending",
        None,
        None,
        ["fraud"],
        None,
        """
P: 我在二手平台卖东西，买家说我的账户不能收款，要我先交保证金，我交了一千五。
O: 聊天记录、转账记录有吗？
P: 有，但是那个平台的链接我点进去了，现在打不开。
O: 我们先登记，技术上查一下这个链接。你回去把完整的截图整理好，明天带来做笔录。
P: 那今天算是报了吗？
O: 登记了，明天来正式做笔录。
""",
    ),
    (
        "phone",
        "plain",
        "help_request",
        "pending",
        "report",
        "important",
        [],
        None,
        """
O: 你好，白云派出所。
P: 你好，我们楼下有个老人坐在那儿快两个小时了，问他家在哪，他说不清楚。
O: 他身上有没有手机、卡片？
P: 有个手环，上面有个电话，打不通。
O: 好，我派人过去，先别让他走远，给他件衣服。
P: 好的，我们陪着他。
""",
    ),
    (
        "dispatch",
        "fragment",
        "help_request",
        "pending",
        "report",
        "urgent",
        ["injury"],
        None,
        """
O: 幺幺零。
P: 河边……有人掉下去了……
O: 哪个河？哪个位置？
P: 护城河……南桥……
O: 还能看见人吗？
P: 在扑腾……
O: 消防和民警马上到，找根长杆或绳子，不要自己跳下去。
""",
    ),
    (
        "counter",
        "sarcastic",
        "theft",
        "pending",
        None,
        None,
        [],
        "impatient officer, but follow-up promised",
        """
P: 你们看监控看了一礼拜了吧？我车到底谁偷的？
O[I]: 你天天来问也没用，查到自然通知你。
P: 那你们到底查到哪一步了，总得给我个说法吧？
O: 视频还在调，周五前给你打电话说结果。
P: 周五，我记着。
""",
    ),
    (
        "bodycam",
        "plain",
        "domestic_violence",
        "pending",
        None,
        None,
        ["domestic_violence", "injury"],
        None,
        """
O: 你好，我是民警，记录仪开着。女士您伤哪了？
P: 后背，他用衣架抽的。
O: 人呢？
P: 他跑了，我也不知道去哪了。
O: 先送您去医院验伤，我们同时找他。找到了通知您来所里做笔录。
P: 好。
""",
    ),
    (
        "phone",
        "filler",
        "consultation",
        "pending",
        "consult",
        "normal",
        [],
        None,
        """
O: 你好，城北派出所。
P: 喂，那个，就是，我想问问，嗯，我上个月来这里办的那个，就是，那个临时身份证明，嗯，说好了给我打电话的，就是，还没人打……
O: 您叫什么？
P: 李小红。
O: 我查了，证件已经制好了。我让窗口明天给您打电话确认领取时间。
P: 哦，好的好的。
""",
    ),
    (
        "dispatch",
        "plain",
        "traffic",
        "pending",
        "report",
        "important",
        [],
        None,
        """
O: 你好，幺幺零。
P: 你好，一辆轿车在国道上逆行，速度很快，往城区方向去了。
O: 车牌看到没有？
P: 白色的，尾号六六八。
O: 记下了，马上通知前方交警拦截。
""",
    ),
    (
        "counter",
        "brusque",
        "dispute",
        "case_accepted",
        None,
        None,
        ["dispute"],
        "mediation fails, becomes case",
        """
P: 他把我门口的监控砸了！
T: 你的监控对着我家门，侵犯我隐私！
O: 监控朝向的问题可以协商，你们愿不愿意调解？
T: 不调！我就砸了怎么样！
P: 我也不调，我要他赔，要处理他。
O: 那就按故意毁坏财物受案，双方做笔录，回执给你。监控朝向的事另外说。
""",
    ),
    (
        "phone",
        "brusque",
        "theft",
        "no_action",
        "report",
        "important",
        [],
        None,
        """
O: 喂，派出所。
P: 我家门口的快递被人偷了三次了，今天抓到了，是隔壁家的保姆，我拍到视频了。
O[S]: 快递这种小事，你们自己协商退了就完了。
P: 我要报案，这是第三次了！
O[I]: 行了行了，你找她东家说说，我这儿还有事。
""",
    ),
    (
        "bodycam",
        "polite",
        "help_request",
        "advised",
        None,
        None,
        [],
        None,
        """
O: 您好，我是派出所的，记录仪开着。您的车抛锚了？
P: 对，打不着火了，这里又是路中间，麻烦你们了。
O: 我们帮您推到路边。您打一下保险公司的救援电话，一般半小时到。
P: 好的好的，太感谢了。
O: 三角警示牌放在车后面五十米。
""",
    ),
    (
        "dispatch",
        "plain",
        "assault",
        "advised",
        "report",
        "normal",
        [],
        "past_resolved",
        """
O: 你好，幺幺零。
P: 你好，刚才我们小区门口两个人打起来了，不过现在已经被劝开了，都走了。
O: 有人受伤吗？
P: 好像没有，都走了。
O: 好，如果他们再回来闹事，您再打过来。谢谢您。
P: 好的。
""",
    ),
]
D += [
    (
        "phone",
        "plain",
        "other",
        "pending",
        "complaint",
        "important",
        [],
        None,
        """
O: 你好，城东派出所。
P: 你好，我要投诉你们一个民警，前天处理我跟邻居的纠纷，他当着大家的面说我“神经病”，这是警察该说的话吗？
O: 您说的是哪天几点？民警编号记得吗？
P: 前天下午三点，编号我拍到了，零一二三四七。
O: 我登记下来转给教导员，两个工作日内给您回复，核实后会调执法记录仪。
P: 好，我等你们电话。
""",
    ),
    (
        "dispatch",
        "plain",
        "domestic_violence",
        "pending",
        "report",
        "urgent",
        ["domestic_violence", "injury"],
        "impatient call-taker, but dispatched",
        """
O[I]: 幺幺零，说话，说话啊！
P: 我……我在厕所里，他在外面砸门。
O[I]: 地址，快点，别哭了说地址。
P: 长青小区十栋二零一。
O: 人马上到，门别开。
""",
    ),
    (
        "bodycam",
        "plain",
        "dispute",
        "mediated",
        None,
        None,
        ["dispute"],
        "impatient officer, but mediation reached",
        """
O[I]: 又是你们两家？上个月不是刚调解过吗？
P: 他又把垃圾放我门口了。
T: 我就放一会儿，下楼就拿走。
O[I]: 一会儿一会儿，你们烦不烦。垃圾当天拿走，放自己门口，能不能做到？
T: 能。
P: 能做到就行。
""",
    ),
    (
        "counter",
        "brusque",
        "fraud",
        "no_action",
        None,
        None,
        ["fraud"],
        None,
        """
P: 我在网上找了个兼职打字员，交了三百押金，对方就不理我了。
O[IP]: 三百块也来报？脑子进水了吧，网上兼职你也信。
P: 你说话怎么这么难听？
O[S]: 金额太小了，立不了，回去吧。
P: 我要投诉你。
O[T]: 投诉？你投啊，看谁理你。
""",
    ),
    (
        "phone",
        "sichuan",
        "noise",
        "no_action",
        "report",
        "normal",
        [],
        None,
        """
O: 喂。
P: 喂，警官嘛，我们楼下那个茶馆，打麻将打到两三点，哗啦哗啦的，天天如此。
O[I]: 打麻将的声音你也要报？你耳朵好灵哦。
P: 你来听一下嘛，吵得睡不到。
O[S]: 这个你跟茶馆老板说，我们管不过来。
""",
    ),
    (
        "dispatch",
        "northern",
        "theft",
        "pending",
        "report",
        "important",
        [],
        "impatient call-taker, but dispatched",
        """
O: 幺幺零。
P: 我车玻璃让人砸了，包没了，就在路边儿。
O[I]: 你把包放车里干嘛？说了多少遍了。
P: 我就下车五分钟！
O: 行，地址说一下，派人过去。
P: 建国门外大街，中粮广场门口。
""",
    ),
    (
        "bodycam",
        "brusque",
        "other",
        "no_action",
        None,
        None,
        [],
        "improper handling",
        """
P: 警察同志，他在这儿拍我，我让他删他不删。
T: 公共场合我拍个风景怎么了。
O[I]: 就这事儿？这也叫警？
P: 他专门对着我拍的！
O[S]: 你俩自己商量，我们没空管这种。
""",
    ),
    (
        "counter",
        "plain",
        "theft",
        "case_accepted",
        None,
        None,
        [],
        "shirking first, then case taken",
        """
P: 我的店被人偷了，收银机里一千多。
O[S]: 你那个商铺不在我们辖区吧？去那边派出所。
P: 在的，就是你们旁边那条街，文化路三十号。
O: 哦，三十号是我们的。那给你受案，做笔录，回执拿好，我们去看现场。
P: 好。
""",
    ),
    (
        "phone",
        "brusque",
        "help_request",
        "no_action",
        "report",
        "urgent",
        ["self_harm"],
        "improper handling",
        """
O: 喂，派出所。
P: 我朋友说不想活了，在微信上跟我说的，我也不知道他在哪。
O[S]: 不知道在哪我们怎么找？你先问清楚地址再打。
P: 他不回我了！
O[I]: 那你报他身份证号也行啊，什么都没有打什么电话。
""",
    ),
    (
        "dispatch",
        "plain",
        "assault",
        "pending",
        "report",
        "urgent",
        ["injury", "weapon", "mass_incident"],
        None,
        """
O: 你好，幺幺零。
P: 你好，夜市这边十几个人在打群架，有人拿着棍子。
O: 具体在哪里？
P: 新港夜市，靠河那一头。
O: 有没有人倒地？
P: 有一个坐地上了，头上有血。
O: 大批民警和救护车马上到，你离开那儿，别围观。
""",
    ),
    (
        "counter",
        "plain",
        "domestic_violence",
        "no_action",
        None,
        None,
        ["domestic_violence", "injury"],
        "improper handling",
        """
P: 我被我丈夫打了，这是医院的诊断。
O[I]: 你们两口子的事，来派出所干什么？
P: 我要报案，他打我不是第一次了。
O[S]: 你回去找妇联吧，妇联管这个。
P: 妇联让我来派出所的。
O[I]: 那我也没办法，今天就这样。
""",
    ),
    (
        "bodycam",
        "plain",
        "noise",
        "advised",
        None,
        None,
        [],
        "impatient officer, advice given",
        """
O[I]: 音乐关一下，楼下都投诉好几次了，你们听不见吗？
P: 啊，不好意思不好意思，我们在开生日会。
O: 关小点，十点以后别唱了。再接到报警要处理的。
P: 好的好的，马上关。
""",
    ),
    (
        "phone",
        "plain",
        "fraud",
        "case_accepted",
        "report",
        "important",
        ["fraud"],
        "impatient officer, but case taken",
        """
O: 你好，滨湖派出所。
P: 你好，我刚被冒充客服的骗了八千，说我的快递丢了要理赔。
O[I]: 又是快递理赔，天天讲天天有人上当。
P: 我知道我傻……能不能报？
O: 能报，马上给你止付，人过来做笔录，立案给你回执。
""",
    ),
    (
        "dispatch",
        "plain",
        "other",
        "no_action",
        "other",
        "normal",
        [],
        "improper handling of a prank",
        """
O: 幺幺零。
P: 喂，你猜我是谁？
O[P]: 神经病吧你，这是报警电话。
P: 哈哈……
O[T]: 再打过来查到你号码抓你。
""",
    ),
    (
        "counter",
        "formal",
        "consultation",
        "no_action",
        None,
        None,
        [],
        None,
        """
P: 您好，本人需要调取二零二零年本人在贵所的报警记录，用于诉讼。
O[S]: 报警记录不对个人调取，你让律师去法院开调查令。
P: 法律规定当事人可以申请查阅本人报警记录。
O[SI]: 那你去网上申请，我这边办不了。
P: 请问网上哪个入口？
O[I]: 自己查。
""",
    ),
    (
        "bodycam",
        "northern",
        "dispute",
        "case_accepted",
        None,
        None,
        ["dispute", "injury"],
        "impatient officer, but case taken",
        """
O[I]: 行了行了，都别嚷嚷，一个一个说。
P: 他骑车撞了我摊子，把我蒸笼全掀了，我拽他，他给我一拳。
T: 他先拽我衣服的！
O: 都跟我回所里，笔录做了，这个按打架立案，你伤去医院验，回执给你。
P: 成。
""",
    ),
    (
        "phone",
        "plain",
        "lost_property",
        "no_action",
        "other",
        "normal",
        [],
        None,
        """
O: 喂。
P: 你好，我在你们辖区丢了一个钱包，有没有人捡到交过来？
O[I]: 没有没有，丢了东西别打这个电话。
P: 那我该打哪个？
O[S]: 自己找去吧。
""",
    ),
    (
        "dispatch",
        "plain",
        "help_request",
        "pending",
        "report",
        "urgent",
        [],
        None,
        """
O: 你好，幺幺零。
P: 你好，隔壁家着火了，冒烟了，家里好像有老人。
O: 地址？
P: 东风村三组，二十七号。
O: 消防和民警马上过去，你先喊邻居出来，别进去救人。
P: 好。
""",
    ),
    (
        "counter",
        "polite",
        "consultation",
        "advised",
        None,
        None,
        [],
        "shirking-sounding but legitimate referral",
        """
P: 您好，打扰了，我想问问给孩子改名字要怎么办？
O: 未成年人改名，父母双方带户口本、身份证、出生证明来户籍窗口，户籍窗口在二楼，我们这里是接报案的窗口。
P: 哦，那我上二楼就行？
O: 对，上二楼，右手边。
""",
    ),
    (
        "phone",
        "sarcastic",
        "other",
        "advised",
        "complaint",
        "important",
        [],
        None,
        """
O: 你好，城南派出所。
P: 哟，你们效率真高啊，我上周报的电动车被偷，到现在连个人影都没有，是不是等它自己回来？
O: 您的不满我们理解。我把您的意见转教导员，同时催办案民警给您回电话。
P: 你们说的回电话，我已经等了一礼拜了。
O: 这次会记录在案，三天内不回电话您可以直接找教导员，我把他的办公电话给您。
""",
    ),
]
D += [
    (
        "dispatch",
        "shanghai",
        "help_request",
        "pending",
        "report",
        "urgent",
        [],
        "calm voice, urgent",
        """
O: 侬好，幺幺零。
P: 侬好，阿拉屋里老头子跌了一跤，起勿来了，头浪出血。
O: 人清醒伐？
P: 讲得出闲话个，就是起勿来。
O: 地址报一下。
P: 长乐路三百六十弄十二号。
O: 救护车搭民警马上到，侬勿要硬拉伊起来。
""",
    ),
    (
        "phone",
        "cantonese",
        "fraud",
        "case_accepted",
        "report",
        "important",
        ["fraud"],
        None,
        """
O: 你好，天河派出所。
P: 喂，我喺网上买演唱会飞，俾咗一千二，个人收咗钱就拉黑咗我。
O: 有冇聊天记录同转账记录？
P: 有，全部截咗图。
O: 你嚟派出所，我哋同你立案，做笔录，开回执。
P: 好，我而家过嚟。
""",
    ),
    (
        "counter",
        "numbers",
        "theft",
        "case_accepted",
        None,
        None,
        [],
        None,
        """
P: 我那个仓库，上个月进了一批电缆，三百米，一米二十八块，现在少了一百二十米。
O: 一百二十米，三千三百六十块。什么时候发现的？
P: 前天盘点。仓库钥匙就三个人有。
O: 内部人员可能性大。给你立案，把三个人名单和出入记录给我们，回执拿好。
P: 好。
""",
    ),
    (
        "bodycam",
        "brusque",
        "traffic",
        "advised",
        None,
        None,
        [],
        "lawful_warning",
        """
O: 你好，我是交警，记录仪开着。这里禁止停车，请马上开走。
P: 我就等个人，一分钟。
O: 一分钟也不行，这是公交站。这次不罚，开走。
P: 行行，走了走了。
""",
    ),
    (
        "phone",
        "brusque",
        "consultation",
        "no_action",
        "consult",
        "normal",
        [],
        None,
        """
O: 喂。
P: 你好，我想问问我儿子的户口迁移进度。
O[I]: 迁移进度打窗口电话，别打这个。
P: 窗口电话打了没人接。
O[SI]: 那你明天再打，我这边查不了。
""",
    ),
    (
        "dispatch",
        "numbers",
        "traffic",
        "pending",
        "report",
        "urgent",
        ["injury"],
        None,
        """
O: 你好，幺幺零。
P: 你好，绕城高速，往北，一百二十三公里处，三车追尾，有一个人卡在车里。
O: 一百二十三公里，往北，对吧？
P: 对，我是后面第四辆，停在应急车道。
O: 交警、消防、一二零已派，你人站到护栏外面去。
""",
    ),
    (
        "counter",
        "shanghai",
        "lost_property",
        "advised",
        None,
        None,
        [],
        None,
        """
P: 同志，阿拉老太太个老年卡寻勿着了，是勿是此地补？
O: 老年卡勿是派出所补个，侬到街道社区事务受理中心去补，带户口本搭身份证。
P: 噢，街道是伐，谢谢侬噢。
O: 勿客气。
""",
    ),
    (
        "bodycam",
        "plain",
        "assault",
        "case_accepted",
        None,
        None,
        ["injury"],
        "officer threat while handling, case still taken",
        """
O[T]: 你再给我动一下试试，我让你今天出不了这个门。
T: 我没动，是他先打的我。
P: 警察同志，他把我眼镜打碎了，脸上都划了口子。
O: 伤者先去医院。你，跟我回去做笔录。这个我们受案，回执会给他。
T: 凭什么就我去？
O: 两边都要做笔录。
""",
    ),
    (
        "phone",
        "plain",
        "dispute",
        "referred",
        "report",
        "normal",
        ["dispute", "enterprise"],
        "shirking-sounding but legitimate",
        """
O: 你好，东湖派出所。
P: 你好，我在一家公司干了半年，辞职后他们不给开离职证明，还扣我押金。
O: 有没有人身威胁或者扣你的证件？
P: 那没有。
O: 这是劳动争议，找劳动监察大队投诉，或者申请劳动仲裁，不用花钱。地址我发你短信。
P: 好，谢谢。
""",
    ),
    (
        "dispatch",
        "plain",
        "noise",
        "no_action",
        "report",
        "normal",
        [],
        None,
        """
O: 幺幺零。
P: 你好，隔壁在唱卡拉OK，十二点了。
O[S]: 这种打派出所电话，别打幺幺零。
P: 派出所电话我不知道啊。
O[I]: 网上查嘛，挂了。
""",
    ),
    (
        "counter",
        "plain",
        "dispute",
        "pending",
        None,
        None,
        ["dispute"],
        None,
        """
P: 我们村的几户人家说我家的宅基地界桩被挪了，今天又在地里吵。
O: 有没有人动手？
P: 还没有，我怕要打起来。
O: 我们明天和村干部一起去现场看，先把双方叫到村委会。这几天谁都别去动界桩。
P: 好，那我等你们通知。
""",
    ),
    (
        "bodycam",
        "plain",
        "help_request",
        "pending",
        None,
        None,
        [],
        None,
        """
O: 小朋友你好，我是警察叔叔，记录仪开着。你跟爸爸妈妈走散了？
P: 嗯……妈妈去买东西了，我找不到她。
O: 你记得妈妈的电话吗？
P: 不记得……我叫豆豆，住在花园小区。
O: 叔叔先带你去商场服务台广播，也查一下花园小区的登记，你别怕。
""",
    ),
    (
        "phone",
        "plain",
        "consultation",
        "advised",
        "consult",
        "normal",
        [],
        "topic words without incident",
        """
O: 你好，北湖派出所。
P: 你好，我想问，要是有人打我，我还手了，算不算打架？我不是现在有事，就是看新闻想问问。
O: 要看情况，为了制止正在进行的侵害，必要限度内还手属于正当防卫。超过限度就要担责任。
P: 明白了，就是问问，谢谢你。
O: 遇到这种情况先报警，留好证据。
""",
    ),
    (
        "counter",
        "brusque",
        "theft",
        "pending",
        None,
        None,
        [],
        "impatient officer, but enquiry continues",
        """
P: 我手机被偷了，定位显示就在你们这片儿一个小区里。
O[I]: 定位定位，定位能当证据吗？
P: 那你们去看看呀！
O: 行，定位截图给我，我们登记，先核实这个地址，明天给你回话。
P: 好，我等电话。
""",
    ),
]

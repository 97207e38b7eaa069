"""Batch 5 of dlg4 dialogues: partial acceptances, advice plus referral, complaints."""

D = [
    (
        "counter",
        "filler",
        "theft",
        "case_accepted",
        None,
        None,
        ["dispute"],
        "only part of the report accepted",
        """
P: 那个，警官，我是来，嗯，报两件事的，一个是我前夫把我家的那个，就是，电视机搬走了，还有一个，嗯，就是他欠我的抚养费，三个月没给……
O: 电视是谁买的？离婚协议怎么分的？
P: 我买的，协议上写归我。
O: 电视这个我们按盗窃受案，给你做笔录，开回执。抚养费是民事的，你拿离婚协议去法院申请执行。
P: 那抚养费你们不管啊？
O: 法院强制执行比我们有用。电视的事我们办。
""",
    ),
    (
        "bodycam",
        "plain",
        "assault",
        "case_accepted",
        None,
        None,
        ["injury", "dispute"],
        "only part of the report accepted",
        """
O: 你好，我是民警，记录仪开着。你说他打你还欠你钱？
P: 对，他欠我五千块不还，我今天来要，他就扇我耳光。
T: 钱的事我说了下个月还。
O: 打人这个我们受案，你跟我们回去做笔录、验伤，回执给你。欠钱是民事纠纷，你另外去法院起诉。
P: 打人的事先办也行。
""",
    ),
    (
        "phone",
        "polite",
        "fraud",
        "case_accepted",
        "report",
        "important",
        ["fraud"],
        "only part of the report accepted",
        """
O: 您好，南城派出所。
P: 您好，我想报两个事，一个是我被人在网上骗了一千块，另一个是我那个网店被差评师恶意差评，我觉得也是敲诈。
O: 网上骗的一千块我们受理，您带转账记录来做笔录，给您回执。差评那个，如果他跟您要钱才删差评，留着聊天记录也一起带来，我们看一下；单纯的差评找平台申诉。
P: 他没要钱，就是差评。
O: 那差评的找平台，骗钱的来报案。
P: 好的，谢谢您。
""",
    ),
    (
        "counter",
        "plain",
        "dispute",
        "referred",
        None,
        None,
        ["dispute"],
        "advice plus referral",
        """
P: 我跟我哥分我爸的房子，他把房子租出去了，租金一分不给我，还换了锁。
O: 有没有动手？有没有威胁你？
P: 没有，就是不给。
O: 遗产纠纷是法院管的。先找社区人民调解委员会，他们免费调，调不成去法院起诉。我把调委会电话给你。
P: 那我去调委会。
""",
    ),
    (
        "dispatch",
        "plain",
        "noise",
        "pending",
        "report",
        "normal",
        [],
        "sounds like advice, ends with a unit sent",
        """
O: 你好，幺幺零。
P: 你好，我就问一下，楼上半夜一直拍皮球，这个算扰民吗？我不想闹大。
O: 算，夜间噪音扰民。跟他沟通过吗？
P: 敲过门，不开。
O: 那我让辖区民警过去提醒一下，不会闹大。
P: 好吧，那麻烦了。
""",
    ),
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
O: 你好，城西派出所。
P: 你好，我昨天在你们所做笔录，做了三个小时，民警中间一直玩手机，还跟我说“你这破事儿”，我要投诉。
O: 您说的情况我记录下来了，民警姓名您知道吗？
P: 不知道，只知道他是二楼办公室的。
O: 我们会调当天的执法记录，教导员三个工作日内联系您。
P: 好，我等答复。
""",
    ),
    (
        "bodycam",
        "polite",
        "dispute",
        "advised",
        None,
        None,
        ["dispute"],
        "advice plus referral",
        """
O: 您好，我是派出所民警，记录仪开着。听说您和业委会有争执？
P: 是的，不好意思麻烦你们，他们开会不让我说话，还把我的话筒关了。
T: 他说的跟议题没关系，一直在骂人。
O: 没有人受伤，这个我们不好处理。会议规则的问题可以向街道办反映，他们管业委会。大家先冷静，会继续开。
P: 好吧，我回头找街道。
""",
    ),
    (
        "dispatch",
        "filler",
        "fraud",
        "case_accepted",
        "report",
        "important",
        ["fraud"],
        None,
        """
O: 你好，幺幺零。
P: 那个，嗯，就是，我，我女儿在国外，嗯，有人打电话说她被绑架了，让我汇钱，我，我汇了两万，后来女儿给我打电话，她好好的……
O: 钱是什么时候汇的？
P: 就，一个小时前。
O: 您女儿安全就好。这是诈骗，我们马上给您登记立案，申请止付，您带汇款单来派出所补笔录。
P: 好，好。
""",
    ),
    (
        "counter",
        "sichuan",
        "domestic_violence",
        "pending",
        None,
        None,
        ["domestic_violence"],
        None,
        """
P: 警官，我女子在学校住读，她说她后爸打她，我也不晓得真的假的。
O: 孩子现在在哪？
P: 在学校。
O: 我们明天跟学校老师一起去见孩子，问清楚情况，必要的话验伤。你先别跟她后爸说。
P: 要得，我等你们电话。
""",
    ),
    (
        "phone",
        "northern",
        "traffic",
        "case_accepted",
        "report",
        "important",
        ["injury"],
        "referral offered, then case taken",
        """
O: 喂，您好，派出所。
P: 哎，同志，我骑电动车让一辆面包车给剐了，他跑了，我腿擦破了。
O: 这种逃逸一般找交警，不过您人在我们这片儿，我先给您登记受理，车牌号记着没？
P: 记着了，京N，后面三个八。
O: 行，我这边受案，回头移交交警事故科一块儿查。您先去医院，票据留好。
""",
    ),
    (
        "bodycam",
        "plain",
        "help_request",
        "referred",
        None,
        None,
        [],
        "advice plus referral",
        """
O: 你好，我是民警，记录仪开着。大姐，你推着车在这儿一晚上了？
P: 房东把我赶出来了，说我房租欠了两个月，东西都扔出来了。
O: 房东赶人这个可以找街道和法院，今晚你有地方住吗？
P: 没有。
O: 我给你联系救助站，先住一晚上，明天让社区的人帮你跟房东谈。
P: 谢谢，谢谢。
""",
    ),
    (
        "dispatch",
        "plain",
        "dispute",
        "no_action",
        "report",
        "normal",
        ["dispute"],
        "caller withdraws",
        """
O: 你好，幺幺零。
P: 你好，我跟我老公吵架了，他把门锁了不让我进。
O: 有没有动手？你现在安全吗？
P: 没动手……哦，他开门了，算了算了，不用来了。
O: 确定不需要民警过去？
P: 不用了，谢谢。
O: 好，有事随时打。
""",
    ),
    (
        "counter",
        "brusque",
        "lost_property",
        "pending",
        None,
        None,
        [],
        None,
        """
P: 我的包在你们所门口的公交站丢了，监控能不能看一下？
O: 公交站的监控不是我们的，是公交公司的。不过我们门口的探头可以看一下，你说时间。
P: 下午两点到两点半。
O: 我下班前看，看到了给你打电话。留个号码。
P: 一五八……
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
        None,
        """
O: 你好，红星派出所。
P: 你好，我想问问，我家里的猎枪，是我爷爷留下的，好多年没用了，怎么处理？
O: 私人不能持有枪支，请您带着枪到所里上交，不会追究责任。来之前打个电话，我们安排人接。
P: 好的，我明天送过去。
""",
    ),
    (
        "dispatch",
        "plain",
        "other",
        "pending",
        "report",
        "urgent",
        ["terror"],
        "calm voice, urgent",
        """
O: 你好，幺幺零。
P: 你好，火车站候车厅有个无人看管的行李箱，放了快一个小时了，箱子上缠着胶带。
O: 在候车厅哪个位置？
P: 二楼，十二号检票口旁边。
O: 你不要碰它，离远一点，提醒周围的人。铁路公安和排爆人员马上到。
P: 好的。
""",
    ),
    (
        "bodycam",
        "sarcastic",
        "noise",
        "case_accepted",
        None,
        None,
        ["dispute"],
        "warning escalates to case",
        """
O: 你好，我是民警，记录仪开着。楼下报警说你家半夜敲墙。
P: 哟，她能报我就不能敲？她家孩子天天哭，我敲墙提醒一下怎么了？
O: 上周我们来过一次，给你警告过了。今晚又敲了三个小时，还往她门上泼水。
P: 泼点水又怎么了。
O: 这已经是故意扰乱他人正常生活，这次给你开案件受理，带回去处理。对方的回执会给她。
""",
    ),
    (
        "phone",
        "polite",
        "help_request",
        "advised",
        "consult",
        "normal",
        [],
        None,
        """
O: 您好，沿江派出所。
P: 您好，我明天要带一大笔现金去银行存，大概二十万，不太放心，请问你们能派人陪一下吗？
O: 一般不派人陪同。建议您走银行上门收款服务，或者转账。一定要带现金的话，打车直达，别一个人。
P: 好的，我问问银行上门服务，谢谢。
""",
    ),
    (
        "counter",
        "plain",
        "fraud",
        "referred",
        None,
        None,
        ["fraud", "enterprise"],
        "jurisdiction transfer done properly",
        """
P: 我们公司被一家外省公司骗了货款，八十万，合同都签了，他们收了货就注销了。
O: 合同诈骗数额大，由经侦大队管。我带你们去经侦窗口，材料交给他们。
P: 不在你们这里报？
O: 经侦就在一楼，我现在带你们过去。
""",
    ),
]

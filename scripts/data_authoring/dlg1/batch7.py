"""dlg1 batch 7: dialect conduct, quoting and party-swearing look-alikes, outcomes that flip late."""

from common import D

DIALOGUES = [
    D(
        "bodycam",
        "shanghai",
        "dispute",
        "mediated",
        risks=["dispute"],
        script="""
O: 派出所额，记录仪开辣海。又是侬两家头？
P: 伊拉屋里向个空调水滴辣阿拉阳台高头，滴了一个夏天了。
O[IMP]: 就搿眼眼事体，侬两家头吵了三趟了，烦勿烦啦？
T: 我明朝叫人来装根管子接下去。
O: 好，装根管子，礼拜六之前装好。楼下就勿要再吵了。
P: 伊装好我就勿讲了。
""",
    ),
    D(
        "counter",
        "cantonese",
        "fraud",
        "case_accepted",
        risks=["fraud"],
        script="""
P: 阿sir，我网上识咗个女仔，佢叫我入个投资网站，我入咗二十万，而家提唔到钱。
O[IMP]: 又系网恋投资，你哋啲人点解成日都上当㗎？
P: 我知我蠢啦，你帮唔帮我报案？
O: 帮，当然帮。转账记录、网站地址、对方嘅资料全部俾我，我而家同你录口供，按诈骗受案，回执等阵俾你。
P: 好，全部喺手机度。
""",
    ),
    D(
        "bodycam",
        "sichuan",
        "dispute",
        "no_action",
        risks=["dispute"],
        script="""
O: 啥子事？
P: 他把垃圾倒在我门口，我喊他捡起走，他还骂我。
T: 门口又不是你屋头的。
O[PRO,IMP]: 你们两个龟儿子一天到黑为点垃圾扯皮，烦不烦？自己解决，莫喊我们了。
P: 你咋个骂人喃？
O[SHI]: 我说错了？走了，这种事以后找物业。
""",
    ),
    D(
        "counter",
        "plain",
        "dispute",
        "referred",
        risks=["dispute"],
        hn="quoting: officer repeats the property manager's words",
        script="""
P: 物业跟我说“这不归我们管，去找派出所”，我车位被人占了一个月了。
O: 物业说“不归我们管”，其实车位是您买的产权车位对吧？占用私人车位，物业有管理义务，您可以找业委会督促物业处理。
P: 那你们呢？
O: 长期占用产权车位属于民事侵权，可以到法院起诉要求排除妨害。我们这边能做的，是如果现场发生冲突，马上出警。我帮您写一下街道人民调解委员会和法院立案庭的地址。
P: 行，我先找调解委员会。
""",
    ),
    D(
        "bodycam",
        "plain",
        "assault",
        "case_accepted",
        risks=["injury"],
        hn="party swears, officer stays calm",
        script="""
O: 您好，我是派出所民警，这是证件，现场全程录音录像。先生，您的伤怎么回事？
P: 那个王八蛋，他妈的拿砖头砸我车，我下车理论，他给我一拳！
O: 您先别激动，骂人解决不了问题。打您的人在哪里？
P: 就那个穿白衣服的，还站在那儿！
O: 好。这位先生，请你过来一下。这边有人报案说你砸车打人，我们依法受案，请你配合回所里调查。先生，您也一起回去做笔录，伤先拍照，回执给您。
T: 我跟你们走。
""",
    ),
    D(
        "phone",
        "plain",
        "theft",
        "pending",
        "report",
        "important",
        script="""
O: 您好，新村派出所。
P: 你好，我们工地上的钢筋昨晚被人拉走了一车，大概值两万多。
O: 工地有监控吗？有人看守吗？
P: 有个看门的老头，说半夜听到车响，以为是进料的。
O: 两万多的钢筋，不是小事。我现在就安排民警和技术员过去看现场，老头别让他走，我们要问情况。
P: 好，那我在工地等你们。
O: 半小时左右到，到了打您这个电话。
""",
    ),
    D(
        "dispatch",
        "plain",
        "assault",
        "pending",
        "report",
        "urgent",
        risks=["injury", "weapon"],
        hn="taker rude, unit still dispatched",
        script="""
O: 一一零。
P: 你好，我们酒吧门口有人打架，一个拿着啤酒瓶。
O[IMP]: 又是酒吧，你们那儿一晚上报几回了？
P: 这回有人头被打破了，在流血。
O: 地址。
P: 滨河路的蓝调酒吧。
O: 民警和一二零过去了，别围观，离拿瓶子的远点。
""",
    ),
    D(
        "counter",
        "plain",
        "domestic_violence",
        "case_accepted",
        risks=["domestic_violence"],
        hn="officer first suggests mediation, party insists, case accepted",
        script="""
P: 我儿子天天打我，为了要钱，昨天又推我，我摔在地上了。
O: 大娘，您是要我们去跟他谈谈，还是要报案？要不先让社区调解一下？
P: 调解过好几次了，没用。我要报案，让你们管管他。
O: 好，听您的。这个属于家庭暴力，我们依法受案，给您做笔录，对他出具告诫书，情节重的要处罚。您身上摔伤的地方我们拍照，受案回执给您。
P: 哎，好，谢谢你们。
""",
    ),
    D(
        "bodycam",
        "brusque",
        "traffic",
        "referred",
        script="""
O: 派出所的，记录仪开着。
P: 他车停我店门口，一天了，挡着我做生意。
O[IMP]: 违停的事你找交警，打一二二，派出所又不贴罚单。
P: 我打了，说让我找你们。
O: 那我给交警中队打电话……行，他们二十分钟来拖车，我跟他们说了位置。
P: 行吧，那我等着。
""",
    ),
    D(
        "counter",
        "brusque",
        "consultation",
        "advised",
        script="""
P: 你好，我想问问，我家老人去世了，户口要怎么注销？
O[IMP]: 户口本、死亡证明、身份证，带来就行，门口牌子上不是写着吗。
P: 我刚从医院过来，没看到。
O: 死亡医学证明是医院开的那张。家属带着这些，到户籍窗口排号，当场就能办。
P: 好，谢谢。
""",
    ),
    D(
        "dispatch",
        "polite",
        "other",
        "advised",
        "other",
        "normal",
        hn="wrong place; caller thinks 110 handles water bills",
        script="""
O: 您好，一一零。
P: 您好，请问一下，我家水费怎么突然多了三百块，是不是水表坏了？
O: 阿姨，一一零是报警电话，水费的问题要问自来水公司，他们的客服电话在您的水费单上。
P: 哦，我以为你们什么都管。
O: 您找自来水公司就行，要是有人冒充自来水公司上门收费，再打我们电话。
P: 好的，谢谢您。
""",
    ),
    D(
        "bodycam",
        "filler",
        "lost_property",
        "pending",
        script="""
O: 您好，我是派出所民警，这是证件，记录仪开着。您说行李丢了？
P: 嗯，那个，就是，我刚才在路边打车，行李箱放在后备箱，嗯，下车忘拿了，车就开走了。
O: 您是扫码付的钱还是现金？
P: 那个……现金，没要发票。
O: 我们先调这个路口的监控，看能不能看到车牌，找到车就联系司机。您电话留一下，有消息通知您。
P: 嗯，好的，那个，里面有我的电脑。
""",
    ),
    D(
        "phone",
        "northern",
        "dispute",
        "mediated",
        "report",
        "normal",
        hn="settled over the phone with both parties",
        script="""
O: 您好，和平派出所。
P: 喂，我跟隔壁为了楼道灯的电费吵起来了，他非说我多用了，让我多交，他现在就在我旁边。
O: 您把电话开免提，我跟两位说。楼道灯是公共的，两户一人一半最公平，一个月也就十来块钱，对吧？
T: 一人一半……行吧，我也不差那几块钱。
P: 一人一半我同意。
O: 好，那就这样定了，以后别为这个吵了。
""",
    ),
    D(
        "dispatch",
        "numbers",
        "traffic",
        "pending",
        "report",
        "important",
        script="""
O: 您好，一一零。
P: 你好，我在国道三百一十八上，两辆货车追尾了，堵了两条道，没看到有人受伤。
O: 具体位置？
P: 大概一千二百五十公里的牌子附近，往东方向。
O: 一千二百五十公里，往东，两车追尾，无人受伤，对吧？交警已经派出，您注意放警示牌，人到护栏外面。
P: 好，我去放。
""",
    ),
]

"""Dialogues 256-300 (dlg3): threats and insults by officers, deflections, and their look-alikes."""

D = """
b|brusque|dispute|mediated|-|-|dispute|-
O!T: 再吵我把你们俩都铐回去，信不信？
P: 他先占我摊位的！
T: 这地方又不是你家的。
O: 行，一人一半，他摆左边你摆右边，今天就这样。
P: 行吧。
T: 行。
---
c|sarcastic|lost_property|advised|-|-|-|-
P: 我手机丢了，能不能帮我定位？
O!I: 我们又不是移动公司，定位你找运营商去啊。
P: 运营商说不能。
O: 用你手机绑定的账号登录"查找手机"，能看到位置。真被偷了再来报案。
P: 好吧。
---
p|plain|noise|advised|consult|normal|-|lawful_warning
O: 您好，派出所。
P: 我报警，我是被投诉的那个，邻居说我家吵，我就想问，我在家弹钢琴犯法吗？
O: 不犯法，但晚上十点以后弹影响别人休息，邻居可以投诉，严重的可以处罚。
P: 我都是晚上九点前。
O: 那没问题，保持这个时间就行。
---
d|plain|dispute|no_action|report|normal|dispute|-
P: 我跟我老公为了孩子上哪个补习班吵架，你们来评评理。
O: 有没有动手？
P: 没有。
O: 补习班的事您二位商量决定，警察评不了这个理。
P: 那算了。
---
b|plain|assault|case_accepted|-|-|injury|party_swearing
O: 我是民警，记录仪开着。怎么回事？
P: 操，他拿酒瓶子砸我头！
O: 先别骂人。头破了，先止血，一二零马上到。
T: 是他先挑事。
O: 不管谁挑事，砸人头这个我们受案，你跟我们走。
---
c|brusque|theft|no_action|-|-|-|-
P: 我家车库里的电动车充电器被偷了。
O!P: 一个充电器也来报，你脑子有病吧？
P: 你怎么骂人！
O!T: 再嚷我告你扰乱办公秩序。
P: 我要投诉你。
O!I: 随便。
---
p|formal|consultation|advised|consult|normal|-|-
P: 您好，我是某公司人事，我们员工涉嫌职务侵占，请问报案需要什么材料？
O: 需要公司营业执照、授权委托书、相关账目和员工劳动合同。
P: 直接到派出所吗？
O: 涉及金额较大的到经侦大队报案，较小的可以到辖区派出所。
P: 明白，谢谢。
---
b|plain|dispute|referred|-|-|dispute|-
O: 我是民警，开着记录仪。装修公司跟业主在吵？
P: 他们装得一塌糊涂，我不给尾款。
T: 合同写得清清楚楚。
O: 质量好坏我们判断不了，你们可以找装饰协会鉴定，或者起诉。不要堵门。
T: 行，走法律程序。
---
d|plain|help_request|pending|report|urgent|self_harm,mental_health|-
P: 我妈说她吃了一瓶药，她有抑郁症。
O: 什么药？多久以前？
P: 安眠药，半个小时。
O: 地址？
P: 和平街二十号一楼。
O: 一二零和民警都派了，你让她保持清醒，别让她睡。
---
c|plain|fraud|case_accepted|-|-|fraud|-
P: 那个，就是，我买了个游戏账号，付了钱他不给我。
O: 多少钱？
P: 八百块。
O: 在哪里交易的？
P: 嗯，就私下微信转的，现在把我拉黑了。
O: 私下交易拉黑，这是诈骗，八百块也可以立。做个笔录，回执给你。
---
b|brusque|traffic|advised|-|-|-|-
O!I: 你这电动车停这儿干嘛，没看见消防通道？
P: 我马上就走。
O: 赶紧挪走，这里堵了消防车要出大事。
P: 挪了挪了。
O: 行了。
---
p|plain|dispute|advised|consult|normal|dispute|-
P: 我想问，邻居家树枝长到我家院子里，我能不能砍？
O: 最好先跟邻居商量，自己砍了可能起纠纷。
P: 他不理我。
O: 那找村委会或者居委会调解，不要自己动手。
P: 好。
---
c|plain|domestic_violence|referred|-|-|domestic_violence|-
P: 我想申请人身安全保护令。
O: 保护令是向法院申请，我们可以提供报警记录和告诫书作为证据。
P: 之前报过两次警。
O: 我把出警记录打印给你，你拿去法院立案庭。
P: 好，谢谢。
---
d|cantonese|theft|pending|report|important|-|-
P: 喂，我屋企俾人爆格啊！
O: 您冷静，地址？
P: 白云区，新市街五十八号三楼。
O: 人还在屋里吗？
P: 唔知，我喺门口，门开咗。
O: 您别进去，民警马上到。
---
b|plain|help_request|advised|-|-|-|-
O: 您好，我是民警，开着记录仪。手机没电了找不到路？
P: 对，我要去火车站。
O: 前面路口左转，坐六路公交，三站就到。
P: 谢谢。
O: 不客气。
---
c|brusque|dispute|referred|-|-|dispute,enterprise|-
P: 我在商场买了冰箱，坏了不给换。
O!I: 这种也来报警？
P: 那我找谁？
O: 一二三一五，或者到商场的市场监管投诉点，他们管三包。
P: 行吧。
---
p|brusque|help_request|no_action|report|important|-|-
P: 我一个人在家，外面有人在敲门敲了半天，不说话。
O!I: 不开不就完了，打什么一一零？
P: 我害怕啊。
O!S: 那你打电话给物业，我们这边忙。
P: 你们不来看看？
O!I: 没发生什么事。
---
b|plain|noise|advised|-|-|-|-
O: 我是民警，正在录音录像。酒吧这边有人投诉音乐声。
P: 我们开的是正常的。
O: 已经十一点了，按规定要调小，我测了一下外面确实吵。
P: 好好，调小。
O: 谢谢配合。
---
d|plain|other|no_action|other|normal|-|-
P: 喂，一一零吗？我想问问今天限号限几号。
O: 限号请查交警的公众号或者一二三四五。
P: 你们不知道吗？
O: 这是报警专线，请不要占用。
---
c|plain|assault|mediated|-|-|-|-
P: 我跟同事吵架，他推了我一下。
T: 他先骂我的。
O: 有伤吗？
P: 没有。
O: 同事之间，各退一步，握个手，以后别在单位吵。
T: 对不起。
P: 算了。
---
b|sarcastic|lost_property|no_action|-|-|-|-
P: 我钱包丢了，你们快帮我找。
O!I: 找？整条街我一个个问？
P: 那你们不找？
O!S: 丢了就丢了，自己多注意吧。
P: 里面有身份证！
O!I: 身份证去补，我这没办法。
---
p|plain|fraud|case_accepted|report|important|fraud|-
P: 我被骗了，对方冒充京东客服，让我把钱转到安全账户，转了一万八。
O: 现在还跟他通话吗？
P: 挂了。
O: 好，我这边马上止付，您带上身份证和银行卡，到最近的派出所，已经给您登记了，到了直接做笔录立案。
P: 好，我现在就去。
---
b|brusque|other|advised|-|-|-|lawful_warning
O: 我是民警，正在录音录像。这里禁止钓鱼，旁边有牌子。
P: 我钓着玩。
O: 这是饮用水源保护区，违法的，罚款两千。今天先劝离，收杆。
P: 好吧，收了。
O: 下次别来了。
---
c|plain|consultation|advised|-|-|-|-
P: 我想问，我在外地出了交通事故，能在这边处理吗？
O: 交通事故由事故发生地交警处理。
P: 我不想跑。
O: 可以打当地交警电话，有的能网上处理，或者委托律师。
P: 好的。
---
d|plain|domestic_violence|pending|report|urgent|domestic_violence,injury|-
P: 我……他又打我了，我跑出来了。
O: 你现在在哪里？
P: 小区门口保安室。
O: 哪个小区？
P: 月湖小区。
O: 你待在保安室别走，民警马上过去，受伤了吗？
P: 脸上……
O: 一二零也一起派了。
---
b|plain|theft|mediated|-|-|-|-
O: 我是民警，开着记录仪。孩子在超市拿了东西？
T: 对，三包糖。
P: 我是他妈妈，我付钱，对不起。
O: 店里同意赔钱不追究吗？
T: 付了就行，以后注意。
O: 好，孩子也道个歉。
---
c|brusque|other|no_action|-|-|-|-
P: 我要报警，我的快递被送到别人家了，那家人不还。
O!S: 快递的事你找快递公司。
P: 快递公司不管。
O!SI: 那跟我说也没用。
P: 这是侵占吧？
O!I: 你懂法你自己去告。
---
p|plain|help_request|pending|report|important|-|-
P: 我爸给我打电话说他头晕，然后就不说话了。
O: 您父亲在哪里？
P: 他自己家，泰山路三号。
O: 家里有人吗？
P: 他一个人住。
O: 我们通知一二零，民警也去帮忙开门。您能过去吗？
P: 我半小时到。
---
b|plain|dispute|no_action|-|-|dispute|-
O: 我是民警，开着记录仪。您说邻居骂您？
P: 对，她在楼道里说我坏话。
O: 现在她在家吗？
P: 出去了。
O: 说坏话没有侮辱的内容的话，我们很难处理。下次有录音录像再来。
P: 好吧。
---
c|plain|dispute|case_accepted|-|-|dispute|-
P: 二手车商卖我的车是事故车，当时说没事故。
O: 有没有合同写明无事故？
P: 有。
O: 合同纠纷本来可以去法院，不过你说他故意隐瞒，还卖给了好几个人？
P: 对，群里好几个人都被他这样。
O: 那可能涉嫌诈骗，我们先受案调查，回执给你。
---
d|plain|traffic|advised|report|normal|-|-
P: 路边有辆车违停，挡着我车出不来了。
O: 车牌多少？
P: 浙B，二三幺六八。
O: 我查到车主电话了，已经通知他来挪车。
P: ……哦他来了，没事了。
O: 好的。
---
b|northern|dispute|mediated|-|-|dispute|-
O: 民警，记录仪开着。您俩怎么了？
P: 他家狗冲我孩子叫，孩子吓哭了。
T: 我家狗不咬人。
O: 大哥，狗没拴绳，吓着孩子了，道个歉，以后拴上，咋样？
T: 得，对不住了。
P: 行了，以后拴上啊。
---
c|fragment|theft|case_accepted|-|-|-|-
P: 手机……被抢了。刚才。
O: 抢的？有没有伤？
P: 没……就是拽走了。骑电动车。
O: 在哪？
P: 那边……路口。
O: 抢夺，立案，马上调监控。坐下，慢慢说，一会儿回执给你。
---
p|sarcastic|noise|advised|report|normal|-|-
P: 警察同志，我家楼上在养猪吗？天天哐哐响。
O: 哈哈，是装修还是走动？
P: 我也不知道，就是响。
O: 晚上十点后还响，您再打过来，我们上门；白天的话先跟邻居聊聊。
P: 行。
---
b|plain|consultation|advised|-|-|-|-
O: 您好，我是民警，正在录音录像。您说想了解防盗？
P: 对，我们小区最近丢了好几辆车。
O: 晚上把电动车推进车棚，上两把锁，车棚装监控，我们也加强巡逻。
P: 好的，谢谢。
---
d|plain|help_request|pending|report|important|-|-
P: 你好，我们楼停电了，电梯里有人。
O: 电梯里几个人？
P: 一个。
O: 好，消防和电梯维保都通知了，同时让供电公司抢修。请告诉他别扒门。
P: 好。
---
c|plain|lost_property|advised|-|-|-|-
P: 我捡到一个U盘，好像是公司的。
O: 里面有联系方式吗？
P: 不知道，我没打开。
O: 我们这边登记，打开看看有没有联系方式……有个名片，我联系失主。
P: 那我留个电话。
O: 好，谢谢你。
---
b|brusque|dispute|case_accepted|-|-|dispute,weapon|-
O!T: 你再动一下试试，今晚就别想回家了。
P: 他先拿棍子打我！
T: 我是吓唬他。
O: 棍子放下。打人没有？
P: 打到我胳膊了。
O: 那这个要处理，受案，回所里做笔录。
---
p|plain|fraud|advised|consult|normal|fraud|-
P: 我收到短信，说我有积分要兑换，点进去要填银行卡。
O: 填了吗？
P: 还没有。
O: 不要填，这是钓鱼链接。删掉短信就行。
P: 好的。
---
c|plain|other|advised|-|-|-|-
P: 我想问，我的身份证被人借去办了个手机卡，会有问题吗？
O: 可能会被用来诈骗。你去营业厅查一下名下有几张卡，多的注销。
P: 要报案吗？
O: 目前没有损失就不用，注销了就行。
P: 好。
---
d|plain|assault|pending|report|important|injury|-
P: 我被我女朋友的前男友打了，他现在在楼下等我。
O: 受伤了吗？
P: 嘴角破了。
O: 地址？
P: 东湖路十二号。
O: 你别下楼，民警马上过去。
---
b|plain|help_request|advised|-|-|-|-
O: 你好，我是民警，开着记录仪。小伙子，喝多了吧？
P: 没……没喝多。
O: 家在哪？我帮你叫个车。
P: 不用，我朋友马上来。
O: 那在这坐着等，别往马路上走。
---
c|brusque|fraud|no_action|-|-|fraud|-
P: 我要报案，被骗了一百块。
O!I: 一百块你也来？
P: 被骗就是被骗。
O!S: 金额太小不立案，回去吧。
P: 那我登记一下也不行？
O!S: 不行。
---
p|plain|other|advised|complaint|normal|-|-
P: 我想投诉一下，你们所门口停车场老是停满了，办事没地方停车。
O: 理解，这个确实车位紧张。
P: 能不能多弄几个？
O: 我把意见转给所里。旁边菜市场的停车场可以免费停半小时。
P: 好吧。
---
b|plain|traffic|mediated|-|-|-|-
O: 您好，我是民警，正在录像。快递车撞了您的车？
P: 倒车的时候蹭的。
T: 我赔，我给你三百。
P: 漆面我问了四百。
T: 三百五吧。
P: 行。
O: 好，两位私了就行，留个电话。
"""

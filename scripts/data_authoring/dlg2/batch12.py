"""Batch 12: conduct problems that do not decide the outcome (a rude officer who still acts, a polite one who
does nothing), agencies named only as background, and advice that ends in a dispatch; helper dlg2."""

DATA = """
@ dispatch | northern | assault | pending | report | urgent | injury | -
P: 喂，一一零啊，我跟你说，我们这儿吧，是这么回事儿，我下班回来，刚走到楼底下，就听见……
O!IMP: 说重点！哪儿？什么事？
P: 啊，打架，有人打架，俩人按着一个人打，那人满脸血。
O!IMP: 地址！快点！
P: 南岗区学府路，七十七号，楼底下小卖店门口。
O: 民警马上过去，一二零也派了。你离远点，看着打人的往哪儿跑。

@ dispatch | sichuan | theft | pending | report | important | - | -
P: 喂，一一零，我手机遭偷了！我在火锅店吃饭，手机放桌子上，一个男的走过一把抓起就跑了！
O!PRO: 你脑壳有包啊，手机放桌子边边上，不偷你偷哪个？
P: 你咋个这样说话？我是来报警的！
O: ……那个人往哪个方向跑的？穿啥子衣服？
P: 往春熙路那边跑了，灰色外套，平头，个子不高。
O: 好，我通知附近的巡逻民警去堵，你在火锅店等，民警到了找你。

@ dispatch | plain | dispute | pending | report | important | dispute | agency_background: the urban-management bureau is named only as background; a police unit is sent
P: 喂，一一零吗？我们这儿城管在收一个卖水果的摊子，两边吵起来了，推推搡搡的，围了好多人。
O: 有没有人受伤？有没有人拿东西打人？
P: 还没有，就是推来推去，卖水果的老太太坐地上哭。
O: 收摊子是城管执法的事，他们有权管；但是现在有推搡、有人围观，我们派民警过去维持秩序，防止打起来。地址是？
P: 人民路和青年路交叉口，菜市场门口。
O: 好，民警五分钟到。你别往里挤，离远点。

@ dispatch | filler | noise | pending | report | normal | - | advice_then_dispatch: the call sounds like advice until the operator sends a unit
P: 喂，那个，一一零吗，就是，我们隔壁，嗯，天天晚上唱歌，那个，今天又唱，十一点了。
O: 您跟他们沟通过吗？
P: 那个，沟通过，他们说，嗯，说唱到十二点就停，可每次都唱到两三点。
O: 一般情况我们建议先找物业、社区协调。不过都十一点了，他们已经影响休息了，又不是头一回，我还是让辖区民警过去一趟，当面跟他们说。
P: 啊，那个，好，好的，谢谢。
O: 民警到了可能会给您打电话，您留意一下。

@ dispatch | brusque | traffic | no_action | report | important | injury | -
P: 一一零，我骑电动车被一辆小轿车别倒了，腿蹭破了一大块，他停都没停就开走了！
O!IMP: 腿断了吗？
P: 没断，就是出血，疼得厉害。
O!SHK,IMP: 没断就自己去医院包一下，这种剐蹭别打一一零，占线。
P: 那开车那个人就不管了？我记了车牌！
O!SHK: 自己去交警队问，我这儿没工夫。

@ dispatch | cantonese | help_request | no_action | report | important | - | -
P: 喂，一一零？我阿妈今朝出咗门，到而家五个钟都未返，电话又唔听，佢七十几岁。
O!SHK: 才五个小时啊？失踪要满二十四小时才能报，您再等等吧，可能去哪儿玩了。
P: 佢平时好少出门㗎，而且佢有高血压……
O!SHK,IMP: 规定就是这样，二十四小时以后再打。
P: ……好啦。

@ dispatch | formal | other | advised | consult | normal | - | -
P: 您好，我想咨询一下，我在路边看到一个井盖丢了，是否应该报警？
O!IMP: 井盖丢了也打一一零？
P: 我担心有行人掉下去。
O: ……好，您说得对，这确实有危险。井盖归市政管理部门负责，您可以拨打一二三四五报修，在他们到之前，如果方便，可以在旁边放个醒目的东西提醒路人。
P: 好的，我找个纸箱放在旁边，然后打一二三四五。

@ phone | shanghai | theft | no_action | report | normal | - | -
P: 喂，派出所伐？阿拉脚踏车额座垫被人偷脱了，今朝第二趟了。
O!IMP: 座垫？一只座垫几钞票啊？
P: 勿是钞票额事体，天天偷，阿拉哪能骑车子啦？
O!SHK,IMP: 阿姨，一只座垫阿拉哪能立案？侬自家重新买一只，拿车子推到屋里向去好了。
P: 侬格种态度……算了算了。

@ phone | northern | fraud | case_accepted | report | important | fraud | -
P: 喂，派出所吧，我被骗了，网上有人说能帮我把征信洗白，先交三千服务费，我交了，他又要五千保证金，我又交了……
O!IMP: 征信还能洗白？你这么大人了，这种话也信？
P: 我这不是急着贷款买房嘛……
O: ……行，钱一共转了八千是吧？对方的联系方式和收款账户都还有吗？
P: 有，都截图了。
O: 这个我们立案。你带着手机、身份证来所里做笔录，回执给你，账户我们去查。以后征信有问题去人民银行查，别信这些。

@ phone | plain | dispute | no_action | report | important | dispute | -
P: 喂，派出所吗？有几个催债的堵在我家门口，拍门骂人，说不还钱就不走，我老婆孩子在家害怕。
O!IMP: 你欠人钱了？
P: 我是欠了，可我在想办法还，他们这样堵门骂人也不行啊。
O!THR: 欠钱不还你还有理了？你再打电话来，我把你报成失信老赖，让你坐不了火车。
P: 你……你这是什么话？
O!SHK: 自己解决吧，我们不管讨债的事。

@ phone | sichuan | domestic_violence | advised | consult | important | domestic_violence | quoting: the officer repeats the husband's threat to understand it; she asks only about her options
P: 喂，我想问一下，我老公喝了酒就说要打死我，还没打过，但是我好怕，我想离婚。
O: 您说他喝了酒说"要打死你"，是吧？他有没有真的动过手，或者拿过什么东西？
P: 没有动手，就是砸过一个碗，吼得凶。
O: 您现在安全吗？
P: 现在安全，他上班去了。
O: 好。他这种威胁，您可以录音保存；只要他动手，马上打一一零，我们会出警并出具告诫书。您也可以向法院申请人身安全保护令，威胁本身就可以作为申请的理由。离婚的事可以咨询妇联一二三三八，或者司法局的免费律师。
P: 好，我先录音，再去问问律师。

@ phone | brusque | consultation | referred | consult | normal | - | impatient_referral: the referral itself is legitimate, only the manner is impatient
P: 喂，我想问问，二手车过户要去哪儿办？
O!IMP: 车管所，车管所，说了八百遍了，你们就不能自己查一下？
P: 我第一次打，你跟谁说了八百遍？
O!IMP: 行行行，车管所，高新区那个，带买卖双方身份证、登记证书、行驶证，去了自己排号。
P: 你早这么说不就完了。

@ dispatch | fragment | assault | pending | report | urgent | injury,weapon | -
P: 一一零……有人……被捅了……
O: 在哪里？伤在哪儿？
P: 网吧门口……肚子……流好多血……
O: 哪个网吧？哪条路？
P: 星空网吧……文化路……
O: 一二零和民警马上到。拿干净的衣服用力按住伤口，别拔东西，别让他乱动。捅人的跑了吗？
P: 跑了……往北……

@ dispatch | sarcastic | other | no_action | complaint | normal | - | -
P: 喂，一一零，我就问一下，我报三次警了，你们一次都没来，你们到底是干嘛的？
O!PRO: 你神经病吧？你那点破事儿也值得报三次？
P: 你骂谁神经病？
O!IMP: 我说错了吗？没事别打，挂了。

@ phone | plain | help_request | pending | report | important | mental_health | joke: the officer's light remark is friendly reassurance to an old caller
P: 喂，派出所的小刘吗？我是老孙头儿，我老伴儿又找不着了，早上出去买菜到现在没回来。
O: 孙大爷您好。阿姨是不是又去公园看人跳舞去了？上回就是在那儿找着的，您别着急。
P: 我去公园看了，没在。她脑子糊涂，我怕她走丢了。
O: 好，那我们当回事儿找。阿姨今天穿的什么衣服？
P: 红毛衣，黑裤子，拎着个绿色的布兜。
O: 我这就跟巡逻的同事说，沿着菜市场到公园这条路找，再看看路口监控。您在家等着，找着了我第一时间给您打电话。

@ bodycam | northern | dispute | mediated | - | - | dispute | -
O: 我们是派出所的，记录仪开着。怎么还在这儿吵？
P: 他家装修的垃圾堆我家门口，一个礼拜了！
T: 我说了明天就清，你非得今天！
O!THR: 都别吵了！再吵我把你俩全拘了，信不信？
P: ……行，那他说明天清就明天清。
T: 明天上午清完，我再给你门口拖一遍。
O: 那就这么定，明天中午之前清完，两家别再因为这个吵。

@ bodycam | plain | assault | case_accepted | - | - | injury | lawful_warning: a warning of lawful compulsory measures, said properly, is not a threat
O: 您好，我们是派出所民警，这是我的证件，执法记录仪全程录像。先生，请你往后退，别再往前冲。
P: 他先打的我！我今天非打回来不可！
O: 你再往前冲、继续动手，我们就依法对你采取强制措施。请你冷静，有什么事我们依法处理。
P: ……行，我不动。
T: 他鼻子出血了，我刚才也是没忍住……
O: 这个殴打他人的案子我们受理了，两位都跟我们回所里分别做笔录，伤者先去验伤，受案回执到时候给他。

@ bodycam | sichuan | noise | no_action | - | - | - | -
O!IMP: 又是噪音？啥子噪音嘛？
P: 对面人家办喜事，在小区里头放音乐放鞭炮，从早上六点闹到现在。
O!SHK,IMP: 人家结婚一辈子就一回，你忍一天嘛。这种事我们管不了，走了。
P: 那放鞭炮也不管？小区里头不准放的噻！
O!SHK: 找物业嘛，莫找我们。

@ counter | brusque | lost_property | advised | - | - | - | -
P: 身份证丢了，来补。
O!IMP: 取号了吗？没取号去那边取号，别往前挤。
P: 取了，三十七号。
O!IMP: 还没叫到你呢。叫到了带上户口本，拍照，交四十，二十天来取，自己看墙上。
P: 行吧。

@ counter | plain | fraud | no_action | - | - | fraud | -
P: 同志，我妈在一个讲座上花了一万六买了个理疗仪，说能治糖尿病，回来用了根本没用，我想报案。
O!SHK: 你妈自愿买的吧？签了购买合同吧？那就是买卖，不是诈骗，我们不受理。
P: 他们说能治病，这是虚假宣传，是骗人啊！
O!SHK: 虚假宣传那你找市场监管，跟我们说没用。
P: 那他们还在继续骗别的老人……
O!IMP: 我说了不受理，你要我说几遍？

@ counter | sarcastic | theft | case_accepted | - | - | - | -
P: 我家门口的监控拍到了，有人半夜把我的电动车电瓶拆走了，这是视频。
O!IMP: 哟，还挺专业，自己都装上监控了，那你干脆自己把人抓来得了。
P: 我要能抓还来找你？
O: ……好吧，视频我看看。嗯，脸能看清，还有他骑的车。那这个我们受理，你把视频拷一份给我们。
P: 拷好了，U盘给你。
O: 做个笔录，回执在这儿，有进展通知你。

@ counter | northern | assault | no_action | - | - | injury,dispute | -
P: 同志，我让邻居给打了，你看我这脸肿的，还有这胳膊，青一块紫一块。
O: 因为啥打的？
P: 我家楼上漏水，我去找他理论，他二话不说就动手。
O!SHK: 邻里纠纷，你们找社区调解去，社区有调解委员会，这种事儿不用来派出所。
P: 他打我啊！这不是纠纷，是打人！
O!SHK,IMP: 邻居之间能有多大事儿？去社区，去社区。

@ bodycam | filler | domestic_violence | mediated | - | - | domestic_violence | -
O: 你好，我们是派出所的，执法记录仪开着。谁报的警？
P: 我，那个，他推了我，嗯，我摔在沙发上了。
T: 我就推了一下，她把我手机摔了。
O: 女士，有没有受伤？要不要去医院看看？
P: 那个，没有受伤，就是，嗯，气不过。
O: 先生，推人不管什么原因都不行，这次要是有伤我们就按家暴处理了。你们俩今天能不能好好说开，你给她道个歉，手机的事她也别再摔东西了？
T: 行，是我不对，我道歉，以后再不推她。
P: 那个，他道歉了，那就算了吧，这次不追究了。
O: 好，这次就调解到这儿。再有动手的情况，马上打一一零，我们不会再这样处理。

@ counter | formal | other | pending | - | - | enterprise | -
P: 您好，我是一家贸易公司的总经理。我们怀疑公司的出纳在过去一年里挪用了公司资金，金额大概在一百二十万左右。
O: 您好，您说的情况可能涉及职务侵占或者挪用资金。公司目前有哪些证据？
P: 我们发现了几笔对不上的转账，流向她个人的账户，但还没有完整的审计。
O: 这类案件需要公司提供审计报告和相关财务凭证，我们才能判断是否立案。您先委托会计师事务所做专项审计，拿到报告后连同转账记录一起送来，我们再进行审查。
P: 审计大概需要两周，在这期间她会不会转移资金？
O: 您可以先调整她的岗位、冻结她的财务权限，保全好凭证。报告送来后，我们会尽快审查，有需要也会先行调查。
"""

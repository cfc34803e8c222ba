// Name tables for crm-gen: Chinese surnames and given-name characters with their pinyin
// (our own readings, used as ground truth by tests; polyphonic surnames carry their surname
// reading), Latin given and family names, and the parts of company names.
#pragma once

#include <string_view>

namespace gen {

struct Surname {
    std::string_view hanzi;
    std::string_view pinyin;  // lower case, no tones; ü is written "v" (吕 -> lv)
    int weight;               // rough relative frequency
};

// clang-format off
inline constexpr Surname kSurnames[] = {
    {"王", "wang", 720}, {"李", "li", 710}, {"张", "zhang", 680}, {"刘", "liu", 540}, {"陈", "chen", 460},
    {"杨", "yang", 310}, {"黄", "huang", 240}, {"赵", "zhao", 230}, {"吴", "wu", 210}, {"周", "zhou", 200},
    {"徐", "xu", 170}, {"孙", "sun", 150}, {"马", "ma", 150}, {"朱", "zhu", 140}, {"胡", "hu", 130},
    {"郭", "guo", 120}, {"何", "he", 120}, {"高", "gao", 110}, {"林", "lin", 110}, {"罗", "luo", 100},
    {"郑", "zheng", 100}, {"梁", "liang", 90}, {"谢", "xie", 80}, {"宋", "song", 70}, {"唐", "tang", 70},
    {"许", "xu", 70}, {"韩", "han", 60}, {"冯", "feng", 60}, {"邓", "deng", 60}, {"曹", "cao", 60},
    {"彭", "peng", 55}, {"曾", "zeng", 55}, {"肖", "xiao", 55}, {"田", "tian", 50}, {"董", "dong", 50},
    {"袁", "yuan", 45}, {"潘", "pan", 45}, {"于", "yu", 45}, {"蒋", "jiang", 45}, {"蔡", "cai", 45},
    {"余", "yu", 40}, {"杜", "du", 40}, {"叶", "ye", 40}, {"程", "cheng", 40}, {"苏", "su", 35},
    {"魏", "wei", 35}, {"吕", "lv", 35}, {"丁", "ding", 35}, {"任", "ren", 35}, {"沈", "shen", 30},
    {"姚", "yao", 30}, {"卢", "lu", 30}, {"姜", "jiang", 30}, {"崔", "cui", 30}, {"钟", "zhong", 30},
    {"谭", "tan", 30}, {"陆", "lu", 30}, {"汪", "wang", 25}, {"范", "fan", 25}, {"金", "jin", 25},
    {"石", "shi", 25}, {"廖", "liao", 25}, {"贾", "jia", 25}, {"夏", "xia", 25}, {"韦", "wei", 25},
    {"付", "fu", 25}, {"方", "fang", 25}, {"白", "bai", 20}, {"邹", "zou", 20}, {"孟", "meng", 20},
    {"熊", "xiong", 20}, {"秦", "qin", 20}, {"邱", "qiu", 20}, {"江", "jiang", 20}, {"尹", "yin", 20},
    {"薛", "xue", 20}, {"闫", "yan", 18}, {"段", "duan", 18}, {"雷", "lei", 18}, {"侯", "hou", 18},
    {"龙", "long", 18}, {"史", "shi", 18}, {"陶", "tao", 15}, {"黎", "li", 15}, {"贺", "he", 15},
    {"顾", "gu", 15}, {"毛", "mao", 15}, {"郝", "hao", 15}, {"龚", "gong", 15}, {"邵", "shao", 15},
    {"万", "wan", 15}, {"钱", "qian", 15}, {"严", "yan", 15}, {"覃", "qin", 12}, {"武", "wu", 12},
    {"戴", "dai", 12}, {"莫", "mo", 12}, {"孔", "kong", 12}, {"向", "xiang", 12}, {"汤", "tang", 12},
    // polyphonic characters, read as surnames (not dan / jie / qu)
    {"单", "shan", 4}, {"解", "xie", 4}, {"区", "ou", 3},
    // compound surnames
    {"欧阳", "ouyang", 4}, {"司马", "sima", 2}, {"诸葛", "zhuge", 1}, {"上官", "shangguan", 1},
};
// clang-format on

enum class Lean : char { Male = 'm', Female = 'f', Neutral = 'n' };

struct GivenChar {
    std::string_view hanzi;
    std::string_view pinyin;
    Lean lean;
    std::string_view alt;  // a homophone or similar-looking variant, used by duplicates ("" = none)
};

// Only characters with one reading in names and a consonant-initial syllable, so concatenated
// pinyin is unambiguous without apostrophes.
// clang-format off
inline constexpr GivenChar kGivenChars[] = {
    {"伟", "wei", Lean::Male, "玮"}, {"强", "qiang", Lean::Male, ""}, {"磊", "lei", Lean::Male, "垒"},
    {"军", "jun", Lean::Male, "君"}, {"勇", "yong", Lean::Male, "永"}, {"涛", "tao", Lean::Male, "韬"},
    {"明", "ming", Lean::Male, "铭"}, {"超", "chao", Lean::Male, ""}, {"刚", "gang", Lean::Male, "钢"},
    {"辉", "hui", Lean::Male, "晖"}, {"鹏", "peng", Lean::Male, "朋"}, {"飞", "fei", Lean::Male, "菲"},
    {"鑫", "xin", Lean::Male, "欣"}, {"波", "bo", Lean::Male, "博"}, {"斌", "bin", Lean::Male, "彬"},
    {"浩", "hao", Lean::Male, "昊"}, {"凯", "kai", Lean::Male, "恺"}, {"俊", "jun", Lean::Male, "骏"},
    {"帅", "shuai", Lean::Male, ""}, {"旭", "xu", Lean::Male, "煦"}, {"龙", "long", Lean::Male, ""},
    {"亮", "liang", Lean::Male, "靓"}, {"建", "jian", Lean::Male, "健"}, {"国", "guo", Lean::Male, "國"},
    {"东", "dong", Lean::Male, "東"}, {"志", "zhi", Lean::Male, "智"}, {"峰", "feng", Lean::Male, "锋"},
    {"海", "hai", Lean::Male, ""}, {"泽", "ze", Lean::Male, "择"}, {"睿", "rui", Lean::Male, "瑞"},
    {"成", "cheng", Lean::Male, "诚"}, {"振", "zhen", Lean::Male, "震"}, {"德", "de", Lean::Male, ""},
    {"兵", "bing", Lean::Male, "冰"}, {"杰", "jie", Lean::Male, "傑"}, {"毅", "yi", Lean::Male, "义"},
    {"宏", "hong", Lean::Male, "鸿"}, {"轩", "xuan", Lean::Male, "宣"}, {"博", "bo", Lean::Male, "搏"},
    {"鸣", "ming", Lean::Male, "明"}, {"天", "tian", Lean::Male, ""}, {"坤", "kun", Lean::Male, "琨"},

    {"芳", "fang", Lean::Female, "方"}, {"娜", "na", Lean::Female, "纳"}, {"敏", "min", Lean::Female, "珉"},
    {"静", "jing", Lean::Female, "婧"}, {"丽", "li", Lean::Female, "莉"}, {"艳", "yan", Lean::Female, "燕"},
    {"娟", "juan", Lean::Female, "鹃"}, {"霞", "xia", Lean::Female, "侠"}, {"秀", "xiu", Lean::Female, "琇"},
    {"玲", "ling", Lean::Female, "龄"}, {"桂", "gui", Lean::Female, ""}, {"燕", "yan", Lean::Female, "艳"},
    {"红", "hong", Lean::Female, "虹"}, {"梅", "mei", Lean::Female, "玫"}, {"琳", "lin", Lean::Female, "林"},
    {"婷", "ting", Lean::Female, "亭"}, {"雪", "xue", Lean::Female, "学"}, {"慧", "hui", Lean::Female, "惠"},
    {"颖", "ying", Lean::Female, "莹"}, {"倩", "qian", Lean::Female, "茜"}, {"洁", "jie", Lean::Female, "杰"},
    {"晶", "jing", Lean::Female, "菁"}, {"欣", "xin", Lean::Female, "馨"}, {"怡", "yi", Lean::Female, "仪"},
    {"雯", "wen", Lean::Female, "文"}, {"萍", "ping", Lean::Female, "苹"}, {"瑶", "yao", Lean::Female, "遥"},
    {"璐", "lu", Lean::Female, "露"}, {"梦", "meng", Lean::Female, "蒙"}, {"诗", "shi", Lean::Female, "师"},
    {"涵", "han", Lean::Female, "晗"}, {"丹", "dan", Lean::Female, ""}, {"蕾", "lei", Lean::Female, "磊"},
    {"薇", "wei", Lean::Female, "微"}, {"兰", "lan", Lean::Female, "岚"}, {"琪", "qi", Lean::Female, "琦"},
    {"妍", "yan", Lean::Female, "研"}, {"婉", "wan", Lean::Female, "宛"}, {"佩", "pei", Lean::Female, "珮"},
    {"楠", "nan", Lean::Female, "南"}, {"蓉", "rong", Lean::Female, "容"}, {"晴", "qing", Lean::Female, "情"},

    {"文", "wen", Lean::Neutral, "雯"}, {"晓", "xiao", Lean::Neutral, "小"}, {"小", "xiao", Lean::Neutral, "晓"},
    {"子", "zi", Lean::Neutral, "梓"}, {"嘉", "jia", Lean::Neutral, "佳"}, {"佳", "jia", Lean::Neutral, "嘉"},
    {"思", "si", Lean::Neutral, "丝"}, {"宇", "yu", Lean::Neutral, "雨"}, {"雨", "yu", Lean::Neutral, "语"},
    {"心", "xin", Lean::Neutral, "新"}, {"华", "hua", Lean::Neutral, "桦"}, {"春", "chun", Lean::Neutral, "纯"},
    {"立", "li", Lean::Neutral, "力"}, {"新", "xin", Lean::Neutral, "欣"}, {"家", "jia", Lean::Neutral, "佳"},
    {"晨", "chen", Lean::Neutral, "辰"}, {"平", "ping", Lean::Neutral, "萍"}, {"清", "qing", Lean::Neutral, "青"},
    {"秋", "qiu", Lean::Neutral, ""}, {"梓", "zi", Lean::Neutral, "子"}, {"一", "yi", Lean::Neutral, "依"},
    {"金", "jin", Lean::Neutral, "锦"}, {"玉", "yu", Lean::Neutral, "钰"}, {"云", "yun", Lean::Neutral, "芸"},
};
// clang-format on

struct LatinGiven {
    std::string_view name;   // as written, may contain accents
    std::string_view ascii;  // folded for e-mail local parts
    Lean lean;
};

// clang-format off
inline constexpr LatinGiven kLatinGiven[] = {
    {"James", "james", Lean::Male}, {"John", "john", Lean::Male}, {"Robert", "robert", Lean::Male},
    {"Michael", "michael", Lean::Male}, {"William", "william", Lean::Male}, {"David", "david", Lean::Male},
    {"Richard", "richard", Lean::Male}, {"Joseph", "joseph", Lean::Male}, {"Thomas", "thomas", Lean::Male},
    {"Daniel", "daniel", Lean::Male}, {"Matthew", "matthew", Lean::Male}, {"Mark", "mark", Lean::Male},
    {"Paul", "paul", Lean::Male}, {"Steven", "steven", Lean::Male}, {"Andrew", "andrew", Lean::Male},
    {"Kevin", "kevin", Lean::Male}, {"Brian", "brian", Lean::Male}, {"George", "george", Lean::Male},
    {"Edward", "edward", Lean::Male}, {"Peter", "peter", Lean::Male}, {"Oliver", "oliver", Lean::Male},
    {"Lukas", "lukas", Lean::Male}, {"Felix", "felix", Lean::Male}, {"Jonas", "jonas", Lean::Male},
    {"Pierre", "pierre", Lean::Male}, {"Louis", "louis", Lean::Male}, {"Antoine", "antoine", Lean::Male},
    {"Marco", "marco", Lean::Male}, {"Luca", "luca", Lean::Male}, {"Carlos", "carlos", Lean::Male},
    {"José", "jose", Lean::Male}, {"Javier", "javier", Lean::Male}, {"Lars", "lars", Lean::Male},
    {"Erik", "erik", Lean::Male}, {"Jan", "jan", Lean::Male}, {"Piotr", "piotr", Lean::Male},
    {"Ivan", "ivan", Lean::Male}, {"Ahmed", "ahmed", Lean::Male}, {"Raj", "raj", Lean::Male},
    {"Hiroshi", "hiroshi", Lean::Male}, {"Minh", "minh", Lean::Male}, {"Sean", "sean", Lean::Male},

    {"Mary", "mary", Lean::Female}, {"Patricia", "patricia", Lean::Female}, {"Jennifer", "jennifer", Lean::Female},
    {"Linda", "linda", Lean::Female}, {"Elizabeth", "elizabeth", Lean::Female}, {"Barbara", "barbara", Lean::Female},
    {"Susan", "susan", Lean::Female}, {"Jessica", "jessica", Lean::Female}, {"Sarah", "sarah", Lean::Female},
    {"Karen", "karen", Lean::Female}, {"Emily", "emily", Lean::Female}, {"Emma", "emma", Lean::Female},
    {"Olivia", "olivia", Lean::Female}, {"Sophia", "sophia", Lean::Female}, {"Charlotte", "charlotte", Lean::Female},
    {"Amelia", "amelia", Lean::Female}, {"Hannah", "hannah", Lean::Female}, {"Anna", "anna", Lean::Female},
    {"Laura", "laura", Lean::Female}, {"Julia", "julia", Lean::Female}, {"Léa", "lea", Lean::Female},
    {"Chloé", "chloe", Lean::Female}, {"Camille", "camille", Lean::Female}, {"Marie", "marie", Lean::Female},
    {"Sofia", "sofia", Lean::Female}, {"Giulia", "giulia", Lean::Female}, {"Lucía", "lucia", Lean::Female},
    {"Carmen", "carmen", Lean::Female}, {"Ingrid", "ingrid", Lean::Female}, {"Astrid", "astrid", Lean::Female},
    {"Katarzyna", "katarzyna", Lean::Female}, {"Olga", "olga", Lean::Female}, {"Natalia", "natalia", Lean::Female},
    {"Fatima", "fatima", Lean::Female}, {"Priya", "priya", Lean::Female}, {"Yuki", "yuki", Lean::Female},
    {"Grace", "grace", Lean::Female}, {"Rachel", "rachel", Lean::Female}, {"Nicole", "nicole", Lean::Female},

    {"Alex", "alex", Lean::Neutral}, {"Sam", "sam", Lean::Neutral}, {"Jordan", "jordan", Lean::Neutral},
    {"Taylor", "taylor", Lean::Neutral}, {"Robin", "robin", Lean::Neutral},
};
// clang-format on

struct LatinFamily {
    std::string_view name;
    std::string_view ascii;
};

// clang-format off
inline constexpr LatinFamily kLatinFamily[] = {
    {"Smith", "smith"}, {"Johnson", "johnson"}, {"Williams", "williams"}, {"Brown", "brown"},
    {"Jones", "jones"}, {"Garcia", "garcia"}, {"Miller", "miller"}, {"Davis", "davis"},
    {"Rodriguez", "rodriguez"}, {"Martinez", "martinez"}, {"Wilson", "wilson"}, {"Anderson", "anderson"},
    {"Taylor", "taylor"}, {"Thomas", "thomas"}, {"Moore", "moore"}, {"Jackson", "jackson"},
    {"Martin", "martin"}, {"Lee", "lee"}, {"Thompson", "thompson"}, {"White", "white"},
    {"Harris", "harris"}, {"Clark", "clark"}, {"Lewis", "lewis"}, {"Robinson", "robinson"},
    {"Walker", "walker"}, {"Young", "young"}, {"Allen", "allen"}, {"King", "king"},
    {"Wright", "wright"}, {"Scott", "scott"}, {"Green", "green"}, {"Baker", "baker"},
    {"Adams", "adams"}, {"Nelson", "nelson"}, {"Hill", "hill"}, {"Campbell", "campbell"},
    {"Mitchell", "mitchell"}, {"Roberts", "roberts"}, {"Carter", "carter"}, {"Phillips", "phillips"},
    {"Evans", "evans"}, {"Turner", "turner"}, {"Parker", "parker"}, {"Collins", "collins"},
    {"Edwards", "edwards"}, {"Stewart", "stewart"}, {"Morris", "morris"}, {"Murphy", "murphy"},
    {"Cook", "cook"}, {"O'Brien", "obrien"}, {"O'Connor", "oconnor"}, {"Müller", "mueller"},
    {"Schmidt", "schmidt"}, {"Schneider", "schneider"}, {"Fischer", "fischer"}, {"Weber", "weber"},
    {"Meyer", "meyer"}, {"Wagner", "wagner"}, {"Becker", "becker"}, {"Hoffmann", "hoffmann"},
    {"Dubois", "dubois"}, {"Durand", "durand"}, {"Lefèvre", "lefevre"}, {"Moreau", "moreau"},
    {"Laurent", "laurent"}, {"Rossi", "rossi"}, {"Russo", "russo"}, {"Ferrari", "ferrari"},
    {"Esposito", "esposito"}, {"Bianchi", "bianchi"}, {"Fernández", "fernandez"}, {"López", "lopez"},
    {"González", "gonzalez"}, {"Pérez", "perez"}, {"Sánchez", "sanchez"}, {"Jansen", "jansen"},
    {"de Vries", "devries"}, {"van den Berg", "vandenberg"}, {"Nowak", "nowak"}, {"Kowalski", "kowalski"},
    {"Novak", "novak"}, {"Petrov", "petrov"}, {"Ivanov", "ivanov"}, {"Andersson", "andersson"},
    {"Johansson", "johansson"}, {"Nielsen", "nielsen"}, {"Hansen", "hansen"}, {"Kim", "kim"},
    {"Park", "park"}, {"Tanaka", "tanaka"}, {"Suzuki", "suzuki"}, {"Sato", "sato"},
    {"Patel", "patel"}, {"Sharma", "sharma"}, {"Singh", "singh"}, {"Nguyen", "nguyen"},
    {"Tran", "tran"}, {"MacDonald", "macdonald"}, {"Fitzgerald", "fitzgerald"}, {"Hughes", "hughes"},
};
// clang-format on

// ---- companies

struct Brand {
    std::string_view hanzi;
    std::string_view pinyin;
};

// A trade name (字号) is a head and a tail character: 恒 + 达 -> 恒达 (hengda).
// clang-format off
inline constexpr Brand kBrandHeads[] = {
    {"恒", "heng"}, {"华", "hua"}, {"永", "yong"}, {"鑫", "xin"}, {"瑞", "rui"}, {"宏", "hong"}, {"金", "jin"},
    {"天", "tian"}, {"博", "bo"}, {"中", "zhong"}, {"东", "dong"}, {"新", "xin"}, {"长", "chang"}, {"海", "hai"},
    {"盛", "sheng"}, {"嘉", "jia"}, {"泰", "tai"}, {"汇", "hui"}, {"德", "de"}, {"明", "ming"}, {"启", "qi"},
    {"卓", "zhuo"}, {"星", "xing"}, {"智", "zhi"}, {"云", "yun"}, {"锦", "jin"}, {"同", "tong"}, {"百", "bai"},
    {"凯", "kai"}, {"光", "guang"}, {"万", "wan"}, {"立", "li"}, {"正", "zheng"}, {"联", "lian"}, {"远", "yuan"},
    {"兴", "xing"}, {"信", "xin"}, {"富", "fu"}, {"荣", "rong"}, {"众", "zhong"}, {"佳", "jia"}, {"宝", "bao"},
    {"美", "mei"}, {"骏", "jun"}, {"昌", "chang"}, {"泓", "hong"}, {"晟", "sheng"}, {"创", "chuang"}, {"科", "ke"},
    {"睿", "rui"},
};
inline constexpr Brand kBrandTails[] = {
    {"达", "da"}, {"信", "xin"}, {"兴", "xing"}, {"源", "yuan"}, {"丰", "feng"}, {"图", "tu"}, {"鼎", "ding"},
    {"成", "cheng"}, {"远", "yuan"}, {"联", "lian"}, {"方", "fang"}, {"创", "chuang"}, {"城", "cheng"}, {"润", "run"},
    {"世", "shi"}, {"禾", "he"}, {"和", "he"}, {"通", "tong"}, {"泰", "tai"}, {"航", "hang"}, {"越", "yue"},
    {"辰", "chen"}, {"帆", "fan"}, {"程", "cheng"}, {"川", "chuan"}, {"旋", "xuan"}, {"华", "hua"}, {"安", "an"},
    {"康", "kang"}, {"盈", "ying"}, {"隆", "long"}, {"发", "fa"}, {"科", "ke"}, {"利", "li"}, {"宇", "yu"},
    {"业", "ye"}, {"峰", "feng"}, {"晖", "hui"}, {"腾", "teng"}, {"耀", "yao"}, {"诚", "cheng"}, {"祥", "xiang"},
    {"弘", "hong"}, {"邦", "bang"}, {"泽", "ze"}, {"森", "sen"}, {"泉", "quan"}, {"纳", "na"}, {"德", "de"},
    {"威", "wei"},
};
// clang-format on

struct Industry {
    std::string_view hanzi;    // 贸易
    std::string_view domain;   // trade (used in company domains)
    std::string_view english;  // Trading
};

// clang-format off
inline constexpr Industry kIndustries[] = {
    {"贸易", "trade", "Trading"}, {"科技", "tech", "Technology"}, {"电子", "elec", "Electronics"},
    {"机械", "machinery", "Machinery"}, {"建材", "build", "Building Materials"}, {"食品", "food", "Foods"},
    {"服饰", "fashion", "Apparel"}, {"物流", "logistics", "Logistics"}, {"医疗器械", "medical", "Medical Devices"},
    {"信息技术", "it", "Information Technology"}, {"文化传媒", "media", "Media"}, {"餐饮管理", "catering", "Catering"},
    {"家居", "home", "Home Furnishing"}, {"汽车配件", "autoparts", "Auto Parts"}, {"化工", "chem", "Chemicals"},
    {"教育咨询", "edu", "Education"}, {"网络科技", "net", "Internet"}, {"包装材料", "pack", "Packaging"},
};
// clang-format on

struct Weighted {
    std::string_view text;
    int weight;
};

inline constexpr Weighted kChineseCompanySuffixes[] = {
    {"有限公司", 75}, {"股份有限公司", 10}, {"有限责任公司", 10}, {"集团有限公司", 5}};

// Latin trade names are compounds too: North + wind -> Northwind.
// clang-format off
inline constexpr std::string_view kLatinBrandHeads[] = {
    "North", "Blue", "Silver", "Ever", "Harbor", "Red", "Iron", "Bright", "Oak", "West", "Pine", "Star",
    "River", "Black", "Lake", "Green", "Maple", "Sea", "Gold", "Stone", "Eagle", "Sun", "Cedar", "Fox",
    "Crystal", "Swift", "High", "Clear", "True", "Grand",
};
inline constexpr std::string_view kLatinBrandTails[] = {
    "wind", "peak", "line", "green", "view", "wood", "bridge", "star", "ridge", "field", "crest", "light",
    "side", "stone", "shore", "way", "leaf", "gate", "point", "brook", "hill", "haven", "port", "works",
    "mark", "path", "wave", "rock", "dale", "forge",
};
// clang-format on

// Tokens Chinese companies like in their domains: hengda168.com
inline constexpr std::string_view kDomainNumbers[] = {"168",  "888", "666", "88",  "8",
                                                      "2008", "365", "99",  "518", "100"};

inline constexpr Weighted kLatinCompanySuffixes[] = {{"Ltd", 30},  {"Ltd.", 10},      {"Inc.", 15},  {"LLC", 10},
                                                     {"GmbH", 10}, {"Co., Ltd.", 15}, {"S.A.S.", 5}, {"Limited", 5}};

}  // namespace gen

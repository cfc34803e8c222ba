// Place tables for crm-gen: mainland cities (province, city, districts with their 6-digit
// administrative codes used in national ids, telephone area codes, postcodes), street names in
// Chinese and romanised form, and a few foreign cities for Latin-named customers abroad.
#pragma once

#include <string_view>

namespace gen {

struct District {
    std::string_view hanzi;    // 浦东新区
    std::string_view english;  // Pudong New Area
    std::string_view code;     // 310115 (administrative division code, first 6 digits of an id)
};

struct City {
    std::string_view province;       // 广东省 (for municipalities: 上海市)
    std::string_view province_bare;  // 广东 (written without the suffix)
    std::string_view city;           // 广州市
    std::string_view city_bare;      // 广州
    std::string_view abbr;           // gz (used in company domains)
    std::string_view region;         // 华南 (used for region tags)
    std::string_view area_code;      // 020 (fixed-line trunk code)
    int local_digits;                // length of a fixed-line local number
    std::string_view postcode;       // pattern, '#' is a random digit
    int weight;
    District districts[4];  // unused slots have an empty name
};

// clang-format off
inline constexpr City kCities[] = {
    {"北京市", "北京", "北京市", "北京", "bj", "华北", "010", 8, "100###", 90,
     {{"朝阳区", "Chaoyang District", "110105"}, {"海淀区", "Haidian District", "110108"},
      {"东城区", "Dongcheng District", "110101"}, {"西城区", "Xicheng District", "110102"}}},
    {"上海市", "上海", "上海市", "上海", "sh", "华东", "021", 8, "200###", 90,
     {{"浦东新区", "Pudong New Area", "310115"}, {"徐汇区", "Xuhui District", "310104"},
      {"静安区", "Jing'an District", "310106"}, {"闵行区", "Minhang District", "310112"}}},
    {"天津市", "天津", "天津市", "天津", "tj", "华北", "022", 8, "300###", 25,
     {{"和平区", "Heping District", "120101"}, {"河西区", "Hexi District", "120103"},
      {"南开区", "Nankai District", "120104"}, {"", "", ""}}},
    {"重庆市", "重庆", "重庆市", "重庆", "cq", "西南", "023", 8, "400###", 30,
     {{"渝中区", "Yuzhong District", "500103"}, {"江北区", "Jiangbei District", "500105"},
      {"南岸区", "Nan'an District", "500108"}, {"", "", ""}}},
    {"广东省", "广东", "广州市", "广州", "gz", "华南", "020", 8, "510###", 60,
     {{"天河区", "Tianhe District", "440106"}, {"越秀区", "Yuexiu District", "440104"},
      {"海珠区", "Haizhu District", "440105"}, {"番禺区", "Panyu District", "440113"}}},
    {"广东省", "广东", "深圳市", "深圳", "sz", "华南", "0755", 8, "518###", 60,
     {{"福田区", "Futian District", "440304"}, {"南山区", "Nanshan District", "440305"},
      {"罗湖区", "Luohu District", "440303"}, {"宝安区", "Bao'an District", "440306"}}},
    {"广东省", "广东", "东莞市", "东莞", "dg", "华南", "0769", 8, "523###", 20,
     {{"南城街道", "Nancheng Subdistrict", "441900"}, {"东城街道", "Dongcheng Subdistrict", "441900"},
      {"长安镇", "Chang'an Town", "441900"}, {"", "", ""}}},
    {"广东省", "广东", "佛山市", "佛山", "fs", "华南", "0757", 8, "528###", 20,
     {{"禅城区", "Chancheng District", "440604"}, {"南海区", "Nanhai District", "440605"},
      {"顺德区", "Shunde District", "440606"}, {"", "", ""}}},
    {"浙江省", "浙江", "杭州市", "杭州", "hz", "华东", "0571", 8, "310###", 45,
     {{"西湖区", "Xihu District", "330106"}, {"上城区", "Shangcheng District", "330102"},
      {"滨江区", "Binjiang District", "330108"}, {"余杭区", "Yuhang District", "330110"}}},
    {"浙江省", "浙江", "宁波市", "宁波", "nb", "华东", "0574", 8, "315###", 20,
     {{"海曙区", "Haishu District", "330203"}, {"江北区", "Jiangbei District", "330205"},
      {"鄞州区", "Yinzhou District", "330212"}, {"", "", ""}}},
    {"江苏省", "江苏", "南京市", "南京", "nj", "华东", "025", 8, "210###", 35,
     {{"玄武区", "Xuanwu District", "320102"}, {"秦淮区", "Qinhuai District", "320104"},
      {"鼓楼区", "Gulou District", "320106"}, {"建邺区", "Jianye District", "320105"}}},
    {"江苏省", "江苏", "苏州市", "苏州", "suz", "华东", "0512", 8, "215###", 35,
     {{"姑苏区", "Gusu District", "320508"}, {"吴中区", "Wuzhong District", "320506"},
      {"虎丘区", "Huqiu District", "320505"}, {"", "", ""}}},
    {"江苏省", "江苏", "无锡市", "无锡", "wx", "华东", "0510", 8, "214###", 15,
     {{"梁溪区", "Liangxi District", "320213"}, {"滨湖区", "Binhu District", "320211"},
      {"", "", ""}, {"", "", ""}}},
    {"四川省", "四川", "成都市", "成都", "cd", "西南", "028", 8, "610###", 40,
     {{"锦江区", "Jinjiang District", "510104"}, {"青羊区", "Qingyang District", "510105"},
      {"武侯区", "Wuhou District", "510107"}, {"成华区", "Chenghua District", "510108"}}},
    {"湖北省", "湖北", "武汉市", "武汉", "wh", "华中", "027", 8, "430###", 35,
     {{"江岸区", "Jiang'an District", "420102"}, {"江汉区", "Jianghan District", "420103"},
      {"武昌区", "Wuchang District", "420106"}, {"洪山区", "Hongshan District", "420111"}}},
    {"湖南省", "湖南", "长沙市", "长沙", "cs", "华中", "0731", 8, "410###", 20,
     {{"芙蓉区", "Furong District", "430102"}, {"天心区", "Tianxin District", "430103"},
      {"岳麓区", "Yuelu District", "430104"}, {"", "", ""}}},
    {"陕西省", "陕西", "西安市", "西安", "xa", "西北", "029", 8, "710###", 25,
     {{"新城区", "Xincheng District", "610102"}, {"碑林区", "Beilin District", "610103"},
      {"雁塔区", "Yanta District", "610113"}, {"", "", ""}}},
    {"河南省", "河南", "郑州市", "郑州", "zz", "华中", "0371", 8, "450###", 20,
     {{"中原区", "Zhongyuan District", "410102"}, {"金水区", "Jinshui District", "410105"},
      {"二七区", "Erqi District", "410103"}, {"", "", ""}}},
    {"山东省", "山东", "济南市", "济南", "jn", "华东", "0531", 8, "250###", 15,
     {{"历下区", "Lixia District", "370102"}, {"市中区", "Shizhong District", "370103"},
      {"", "", ""}, {"", "", ""}}},
    {"山东省", "山东", "青岛市", "青岛", "qd", "华东", "0532", 8, "266###", 20,
     {{"市南区", "Shinan District", "370202"}, {"市北区", "Shibei District", "370203"},
      {"崂山区", "Laoshan District", "370212"}, {"", "", ""}}},
    {"辽宁省", "辽宁", "沈阳市", "沈阳", "sy", "东北", "024", 8, "110###", 15,
     {{"和平区", "Heping District", "210102"}, {"沈河区", "Shenhe District", "210103"},
      {"", "", ""}, {"", "", ""}}},
    {"辽宁省", "辽宁", "大连市", "大连", "dl", "东北", "0411", 8, "116###", 12,
     {{"中山区", "Zhongshan District", "210202"}, {"西岗区", "Xigang District", "210203"},
      {"", "", ""}, {"", "", ""}}},
    {"黑龙江省", "黑龙江", "哈尔滨市", "哈尔滨", "hrb", "东北", "0451", 8, "150###", 10,
     {{"道里区", "Daoli District", "230102"}, {"南岗区", "Nangang District", "230103"},
      {"", "", ""}, {"", "", ""}}},
    {"吉林省", "吉林", "长春市", "长春", "cc", "东北", "0431", 8, "130###", 8,
     {{"南关区", "Nanguan District", "220102"}, {"朝阳区", "Chaoyang District", "220104"},
      {"", "", ""}, {"", "", ""}}},
    {"福建省", "福建", "福州市", "福州", "fz", "华东", "0591", 8, "350###", 12,
     {{"鼓楼区", "Gulou District", "350102"}, {"台江区", "Taijiang District", "350103"},
      {"", "", ""}, {"", "", ""}}},
    {"福建省", "福建", "厦门市", "厦门", "xm", "华东", "0592", 7, "361###", 15,
     {{"思明区", "Siming District", "350203"}, {"湖里区", "Huli District", "350206"},
      {"", "", ""}, {"", "", ""}}},
    {"安徽省", "安徽", "合肥市", "合肥", "hf", "华东", "0551", 8, "230###", 12,
     {{"蜀山区", "Shushan District", "340104"}, {"包河区", "Baohe District", "340111"},
      {"", "", ""}, {"", "", ""}}},
    {"江西省", "江西", "南昌市", "南昌", "nc", "华东", "0791", 8, "330###", 8,
     {{"东湖区", "Donghu District", "360102"}, {"西湖区", "Xihu District", "360103"},
      {"", "", ""}, {"", "", ""}}},
    {"云南省", "云南", "昆明市", "昆明", "km", "西南", "0871", 8, "650###", 10,
     {{"五华区", "Wuhua District", "530102"}, {"盘龙区", "Panlong District", "530103"},
      {"", "", ""}, {"", "", ""}}},
    {"广西壮族自治区", "广西", "南宁市", "南宁", "nn", "华南", "0771", 7, "530###", 8,
     {{"青秀区", "Qingxiu District", "450103"}, {"兴宁区", "Xingning District", "450102"},
      {"", "", ""}, {"", "", ""}}},
    {"贵州省", "贵州", "贵阳市", "贵阳", "gy", "西南", "0851", 8, "550###", 6,
     {{"南明区", "Nanming District", "520102"}, {"云岩区", "Yunyan District", "520103"},
      {"", "", ""}, {"", "", ""}}},
    {"河北省", "河北", "石家庄市", "石家庄", "sjz", "华北", "0311", 8, "050###", 8,
     {{"长安区", "Chang'an District", "130102"}, {"桥西区", "Qiaoxi District", "130104"},
      {"", "", ""}, {"", "", ""}}},
    {"山西省", "山西", "太原市", "太原", "ty", "华北", "0351", 7, "030###", 6,
     {{"小店区", "Xiaodian District", "140105"}, {"迎泽区", "Yingze District", "140106"},
      {"", "", ""}, {"", "", ""}}},
    {"海南省", "海南", "海口市", "海口", "hk", "华南", "0898", 8, "570###", 5,
     {{"龙华区", "Longhua District", "460106"}, {"美兰区", "Meilan District", "460108"},
      {"", "", ""}, {"", "", ""}}},
};
// clang-format on

struct Road {
    std::string_view hanzi;
    std::string_view english;
};

// clang-format off
inline constexpr Road kRoads[] = {
    {"人民路", "Renmin Road"}, {"中山路", "Zhongshan Road"}, {"解放路", "Jiefang Road"},
    {"建设路", "Jianshe Road"}, {"和平路", "Heping Road"}, {"长江路", "Changjiang Road"},
    {"黄河路", "Huanghe Road"}, {"新华路", "Xinhua Road"}, {"文化路", "Wenhua Road"},
    {"学院路", "Xueyuan Road"}, {"科技路", "Keji Road"}, {"张江路", "Zhangjiang Road"},
    {"南京东路", "Nanjing East Road"}, {"延安西路", "Yan'an West Road"}, {"世纪大道", "Century Avenue"},
    {"滨江大道", "Binjiang Avenue"}, {"东风路", "Dongfeng Road"}, {"胜利路", "Shengli Road"},
    {"光明路", "Guangming Road"}, {"幸福路", "Xingfu Road"}, {"青年路", "Qingnian Road"},
    {"工业大道", "Gongye Avenue"}, {"创新路", "Chuangxin Road"}, {"迎宾大道", "Yingbin Avenue"},
    {"湖滨路", "Hubin Road"}, {"北京路", "Beijing Road"}, {"朝阳路", "Chaoyang Road"},
};
// clang-format on

// ---- abroad

enum class Country { US, UK, DE, FR };

struct ForeignCity {
    Country country;
    std::string_view calling_code;  // 1, 44, 49, 33
    std::string_view trunk;         // national prefix before the area code ("" for the US)
    std::string_view region;        // state / county / Land
    std::string_view city;
    std::string_view area_code;     // without trunk prefix
    std::string_view local_prefix;  // fixed leading digits of local numbers (may be empty)
    int local_digits;
    std::string_view groups;    // how the local number is spaced, e.g. "34" -> 555 0123
    std::string_view postcode;  // pattern: '#' digit, '@' capital letter
    std::string_view currency;
    int weight;
};

// clang-format off
inline constexpr ForeignCity kForeignCities[] = {
    {Country::US, "1", "", "CA", "San Francisco", "415", "", 7, "34", "941##", "USD", 30},
    {Country::US, "1", "", "NY", "New York", "212", "", 7, "34", "100##", "USD", 25},
    {Country::US, "1", "", "WA", "Seattle", "206", "", 7, "34", "981##", "USD", 12},
    {Country::UK, "44", "0", "England", "London", "20", "7", 8, "44", "EC1A #@@", "GBP", 20},
    {Country::UK, "44", "0", "England", "Manchester", "161", "", 7, "34", "M1 #@@", "GBP", 8},
    {Country::DE, "49", "0", "Berlin", "Berlin", "30", "", 8, "8", "10###", "EUR", 14},
    {Country::DE, "49", "0", "Bayern", "München", "89", "", 8, "8", "80###", "EUR", 10},
    {Country::FR, "33", "0", "Île-de-France", "Paris", "1", "", 8, "2222", "750##", "EUR", 14},
    {Country::FR, "33", "0", "Auvergne-Rhône-Alpes", "Lyon", "4", "", 8, "2222", "6900#", "EUR", 6},
};
// clang-format on

struct Street {
    Country country;
    std::string_view name;
    bool number_after;  // German style "Hauptstraße 12"
};

// clang-format off
inline constexpr Street kStreets[] = {
    {Country::US, "Market Street", false}, {Country::US, "Mission St", false}, {Country::US, "Broadway", false},
    {Country::US, "Pine Street", false}, {Country::US, "5th Avenue", false}, {Country::US, "Lake Shore Dr", false},
    {Country::UK, "Baker Street", false}, {Country::UK, "High Street", false}, {Country::UK, "Deansgate", false},
    {Country::UK, "King's Road", false},
    {Country::DE, "Friedrichstraße", true}, {Country::DE, "Hauptstraße", true}, {Country::DE, "Leopoldstraße", true},
    {Country::DE, "Bahnhofstraße", true},
    {Country::FR, "rue de Rivoli", false}, {Country::FR, "avenue des Champs-Élysées", false},
    {Country::FR, "rue de la République", false}, {Country::FR, "boulevard Haussmann", false},
};
// clang-format on

}  // namespace gen

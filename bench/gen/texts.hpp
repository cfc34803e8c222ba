// Text tables for crm-gen: record categories, e-mail domains, notes, tags, products and the
// subject/body templates of interactions ("{p}" is replaced by a product name).
#pragma once

#include <string_view>

namespace gen {

struct Choice {
    std::string_view name;
    int weight_cn;     // weight for customers in China / writing Chinese
    int weight_latin;  // weight for Latin-named customers
};

inline constexpr Choice kSources[] = {{"web", 22, 35},   {"referral", 15, 20}, {"trade_show", 10, 15},
                                      {"phone", 12, 10}, {"wechat", 22, 4},    {"store", 13, 8},
                                      {"partner", 6, 8}};

enum class Stage { Prospect, Customer, Repeat, Loyal, AtRisk, Churned };

struct StageRow {
    Stage stage;
    std::string_view name;
    int weight;
    double churn_probability;  // chance that a buying customer of this stage stops ordering
};

inline constexpr StageRow kStages[] = {{Stage::Prospect, "prospect", 20, 0.0}, {Stage::Customer, "customer", 30, 0.02},
                                       {Stage::Repeat, "repeat", 18, 0.02},    {Stage::Loyal, "loyal", 10, 0.02},
                                       {Stage::AtRisk, "at_risk", 12, 0.25},   {Stage::Churned, "churned", 10, 0.70}};

inline constexpr Choice kEmailDomains[] = {
    {"qq.com", 25, 0},    {"163.com", 20, 1},     {"126.com", 10, 0},     {"sina.com", 4, 0},  {"foxmail.com", 4, 0},
    {"gmail.com", 8, 30}, {"outlook.com", 6, 20}, {"hotmail.com", 3, 12}, {"yahoo.com", 1, 8}, {"icloud.com", 3, 8}};

inline constexpr std::string_view kCompanyMailboxes[] = {"info", "sales", "contact", "service", "office",
                                                         "hr",   "admin", "support", "market",  "kefu"};

// clang-format off
inline constexpr std::string_view kNotesZh[] = {
    "客户对价格比较敏感，需要多次跟进。", "老客户介绍，信任度高。", "希望周末联系，工作日不方便。",
    "对新品很感兴趣，下次展会邀请。", "已加微信，偏好微信沟通。", "采购决策人是其上级，需要安排拜访。",
    "去年投诉过物流问题，已解决。", "生日前发送优惠券。", "要求开具增值税专用发票。",
    "说话直接，不喜欢推销电话。", "第一次来电咨询。\n需要寄送样品。", "关注\"以旧换新\"活动。",
};
inline constexpr std::string_view kNotesEn[] = {
    "Prefers email over phone.", "Met at the trade show, interested in bulk pricing.",
    "Asked for a quote for 50 units, follow up next week.", "Prefers \"morning\" calls, not weekends.",
    "Decision maker is the CFO; schedule a demo.", "Had a delivery complaint in March, resolved.",
    "Price sensitive, compares with competitor offers.", "Referred by an existing customer, warm lead.",
    "Call back after 3pm.\nAssistant answers the phone.", "Needs invoices in USD, net 30 terms.",
};
// clang-format on

enum class Lang : char { Zh = 'z', En = 'e', Any = 'a' };

struct Tag {
    std::string_view path;
    Lang lang;
};

// clang-format off
inline constexpr Tag kTags[] = {
    {"行业/制造业", Lang::Zh}, {"行业/零售", Lang::Zh}, {"行业/教育", Lang::Zh}, {"行业/医疗", Lang::Zh},
    {"行业/互联网", Lang::Zh}, {"渠道/线上/微信", Lang::Zh}, {"渠道/线上/官网", Lang::Zh},
    {"渠道/线下/门店", Lang::Zh}, {"渠道/线下/展会", Lang::Zh}, {"会员/金卡", Lang::Zh}, {"会员/银卡", Lang::Zh},
    {"会员/普通", Lang::Zh}, {"重点客户", Lang::Zh}, {"兴趣/户外/露营", Lang::Zh}, {"兴趣/数码", Lang::Zh},
    {"VIP", Lang::Any}, {"B2B", Lang::Any},
    {"interest/outdoor", Lang::En}, {"interest/outdoor/camping", Lang::En}, {"interest/tech/audio", Lang::En},
    {"interest/tech/mobile", Lang::En}, {"interest/home/kitchen", Lang::En}, {"interest/fitness", Lang::En},
    {"segment/smb", Lang::En}, {"segment/enterprise", Lang::En}, {"newsletter", Lang::En},
    {"channel/online/web", Lang::En}, {"channel/offline/store", Lang::En},
};
// clang-format on

struct Product {
    std::string_view zh;
    std::string_view en;
};

// clang-format off
inline constexpr Product kProducts[] = {
    {"无线蓝牙耳机", "Wireless Earbuds"}, {"智能手表", "Smart Watch"}, {"空气净化器", "Air Purifier"},
    {"电动牙刷", "Electric Toothbrush"}, {"咖啡机", "Coffee Machine"}, {"登山背包", "Hiking Backpack"},
    {"瑜伽垫", "Yoga Mat"}, {"蓝牙音箱", "Bluetooth Speaker"}, {"扫地机器人", "Robot Vacuum"},
    {"人体工学办公椅", "Ergonomic Office Chair"}, {"保温杯", "Insulated Bottle"}, {"茶叶礼盒", "Tea Gift Box"},
    {"笔记本电脑支架", "Laptop Stand"}, {"加湿器", "Humidifier"}, {"户外帐篷", "Camping Tent"},
    {"跑步鞋", "Running Shoes"}, {"年度服务套餐", "Annual Service Plan"}, {"上门安装服务", "Installation Service"},
    {"延长保修", "Extended Warranty"}, {"工业温湿度传感器", "Industrial Sensor"},
};
// clang-format on

struct Template {
    std::string_view subject;
    std::string_view body;
};

// One table per (interaction kind, language). Kinds index these in interactions.cpp.
// clang-format off
inline constexpr Template kCallZh[] = {
    {"电话回访", "客户表示{p}使用正常，暂无新需求。"}, {"{p}价格咨询", "客户询问{p}的价格，已说明当前优惠。"},
    {"电话未接通", "未接通，稍后再打。"}, {"采购跟进", "客户希望下周再联系，届时确认采购数量。"},
    {"售后电话", "客户反馈{p}有异响，已登记并安排检测。"},
};
inline constexpr Template kCallEn[] = {
    {"Follow-up call", "Customer is happy with the {p}, no new needs for now."},
    {"Pricing call: {p}", "Asked about pricing for the {p}; explained the current promotion."},
    {"No answer", "No answer, will try again later."},
    {"Purchase follow-up", "Asked us to call back next week to confirm quantities."},
    {"Support call", "Reported a noise from the {p}; logged and scheduled an inspection."},
};
inline constexpr Template kEmailZh[] = {
    {"{p}报价单", "您好，附件是{p}的报价单，请查收。"}, {"关于合同续签", "合同将于下月到期，请确认是否续签。"},
    {"新品推荐：{p}", "向客户介绍了新款{p}，附上产品手册。"}, {"发票已开具", "本月发票已通过邮件发送，请注意查收。"},
    {"会议纪要", "附上今天会议的纪要，请核对。"},
};
inline constexpr Template kEmailEn[] = {
    {"Quote for {p}", "Hi, please find attached our quote for the {p}."},
    {"Contract renewal", "Your contract expires next month; let us know if you want to renew."},
    {"New arrival: {p}", "Introduced the new {p} and attached the brochure."},
    {"Invoice sent", "This month's invoice has been emailed to you."},
    {"Meeting notes", "Attached are the notes from today's meeting, please review."},
};
inline constexpr Template kVisitZh[] = {
    {"上门拜访", "到客户公司拜访，演示了{p}。"}, {"门店到访", "客户到店试用{p}，表示会考虑。"},
    {"现场安装", "完成{p}的现场安装和培训。"},
};
inline constexpr Template kVisitEn[] = {
    {"On-site visit", "Visited the customer's office and demoed the {p}."},
    {"Store visit", "Customer came to the store to try the {p}, will think about it."},
    {"Installation", "Installed the {p} on site and trained the staff."},
};
inline constexpr Template kMeetingZh[] = {
    {"季度业务回顾", "回顾了本季度的订单和服务情况，客户整体满意。"}, {"产品演示会", "线上演示{p}，客户技术团队参加。"},
    {"年度采购洽谈", "讨论明年采购计划，预计增加{p}的数量。"},
};
inline constexpr Template kMeetingEn[] = {
    {"Quarterly business review", "Reviewed this quarter's orders and service; overall satisfied."},
    {"Product demo", "Online demo of the {p} for the customer's technical team."},
    {"Annual purchasing talks", "Discussed next year's purchasing plan; expect more {p} units."},
};
inline constexpr Template kChatZh[] = {
    {"微信咨询", "客户在微信上询问{p}的发货时间。"}, {"在线客服", "咨询{p}是否支持七天无理由退货。"},
    {"付款确认", "客户发来了\"付款截图\"，已确认收款。"},
};
inline constexpr Template kChatEn[] = {
    {"WeChat inquiry", "Asked on WeChat when the {p} will ship."},
    {"Live chat", "Asked whether the {p} can be returned within 7 days."},
    {"Payment confirmation", "Sent a \"payment screenshot\", payment confirmed."},
};
inline constexpr Template kNoteZh[] = {
    {"内部备注", "客户比较看重售后服务。"}, {"跟进提醒", "下次联系时提及{p}的促销活动。"},
    {"采购暂停", "客户公司正在重组，采购暂停。\n预计下季度恢复。"},
};
inline constexpr Template kNoteEn[] = {
    {"Internal note", "Cares a lot about after-sales service."},
    {"Reminder", "Mention the {p} promotion next time."},
    {"Purchasing on hold", "Customer's company is restructuring; purchasing on hold.\nExpected to resume next quarter."},
};
inline constexpr Template kOrderZh[] = {
    {"订单：{p}", "客户下单购买{p}。"}, {"官网订单：{p}", "通过官网下单，已安排发货。"},
    {"门店订单：{p}", "门店购买，现场付款。"},
};
inline constexpr Template kOrderEn[] = {
    {"Order: {p}", "Placed an order for the {p}."}, {"Web order: {p}", "Ordered via the website, shipping arranged."},
    {"Store order: {p}", "Bought in store, paid on the spot."},
};
inline constexpr Template kRefundZh[] = {
    {"退款：{p}", "客户申请退款，已原路退回。"}, {"退货退款：{p}", "商品未拆封，退货入库后退款。"},
};
inline constexpr Template kRefundEn[] = {
    {"Refund: {p}", "Customer requested a refund; refunded to the original payment method."},
    {"Return and refund: {p}", "Item returned unopened; refunded after restocking."},
};
inline constexpr Template kTicketZh[] = {
    {"故障报修：{p}", "{p}无法开机，客户要求维修。"}, {"物流查询", "订单三天未发货，客户催促。"},
    {"发票问题", "发票抬头填写错误，需要重开。"}, {"换货申请：{p}", "{p}尺寸不合适，申请换货。"},
};
inline constexpr Template kTicketEn[] = {
    {"Repair request: {p}", "The {p} won't power on; customer requests a repair."},
    {"Delivery inquiry", "Order hasn't shipped after three days, customer chasing."},
    {"Invoice issue", "Wrong company name on the invoice, needs reissuing."},
    {"Exchange request: {p}", "The {p} is the wrong size; requesting an exchange."},
};
// Survey answers by NPS band: [0] detractor (0-6), [1] passive (7-8), [2] promoter (9-10).
inline constexpr Template kSurveyZh[3][2] = {
    {{"满意度调查", "价格偏高，售后响应慢。"}, {"满意度调查", "{p}用了一个月就出问题。"}},
    {{"满意度调查", "发货有点慢，其他满意。"}, {"满意度调查", "整体还可以。"}},
    {{"满意度调查", "服务很好，会推荐给朋友。"}, {"满意度调查", "客服响应及时，{p}质量不错。"}},
};
inline constexpr Template kSurveyEn[3][2] = {
    {{"Satisfaction survey", "Too expensive and support was slow."}, {"Satisfaction survey", "The {p} broke after a month."}},
    {{"Satisfaction survey", "Shipping was a bit slow, otherwise fine."}, {"Satisfaction survey", "It's OK overall."}},
    {{"Satisfaction survey", "Great service, would recommend."}, {"Satisfaction survey", "Support was quick and the {p} works well."}},
};
// clang-format on

}  // namespace gen

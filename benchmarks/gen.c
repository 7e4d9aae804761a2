/* benchmarks/gen.c — deterministic synthetic ERP exports for benchmarks and tests.
 *
 * Writes a CSV export of one document type (header row in the Chinese column
 * names the sample mappings expect, profile gd-v1 field order), optionally
 * with a chosen share of bad rows whose kinds are counted exactly, and the
 * commodity and partner catalogs the good rows reference. Everything is a
 * pure function of the options: same options, same bytes. See usage(). */
#include <errno.h>
#include <getopt.h>
#include <iconv.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* ---------------------------------------------------------------- fields */

enum field_id {
    F_BILL_NO, F_BILL_DATE, F_PARTNER_NAME, F_STOCK_DATE, F_WAREHOUSE,
    F_DRUG_CODE, F_DRUG_NAME, F_SPEC, F_PACK_SPEC, F_DOSAGE_FORM,
    F_MANUFACTURER, F_APPROVAL_NO, F_BATCH_NO, F_PRODUCTION_DATE,
    F_EXPIRY_DATE, F_QUANTITY, F_UNIT, F_UNIT_PRICE, F_AMOUNT, F_REASON,
    FIELD_COUNT
};

/* The column names of the ERP export, as the sample mappings map them. */
static const char *const field_header[FIELD_COUNT] = {
    [F_BILL_NO] = "单据编号", [F_BILL_DATE] = "单据日期", [F_PARTNER_NAME] = "往来单位",
    [F_STOCK_DATE] = "库存日期", [F_WAREHOUSE] = "仓库", [F_DRUG_CODE] = "药品本位码",
    [F_DRUG_NAME] = "通用名称", [F_SPEC] = "规格", [F_PACK_SPEC] = "包装规格",
    [F_DOSAGE_FORM] = "剂型", [F_MANUFACTURER] = "生产企业", [F_APPROVAL_NO] = "批准文号",
    [F_BATCH_NO] = "批号", [F_PRODUCTION_DATE] = "生产日期", [F_EXPIRY_DATE] = "有效期至",
    [F_QUANTITY] = "数量", [F_UNIT] = "单位", [F_UNIT_PRICE] = "单价", [F_AMOUNT] = "金额",
    [F_REASON] = "原因",
};

#define DRUG_FIELDS F_DRUG_CODE, F_DRUG_NAME, F_SPEC, F_PACK_SPEC, F_DOSAGE_FORM, \
    F_MANUFACTURER, F_APPROVAL_NO, F_BATCH_NO, F_PRODUCTION_DATE, F_EXPIRY_DATE, \
    F_QUANTITY, F_UNIT

enum doc_kind { DOC_TRADE, DOC_INVENTORY, DOC_DISPOSAL };

/* The document types of profile gd-v1 (samples/profile/gd-v1.yaml). */
struct doc_type {
    const char *name;
    const char *bill_prefix;
    enum doc_kind kind;
    int field_count;
    enum field_id fields[FIELD_COUNT];
};

static const struct doc_type doc_types[] = {
    {"PURCHASE", "CG", DOC_TRADE, 17,
     {F_BILL_NO, F_BILL_DATE, F_PARTNER_NAME, DRUG_FIELDS, F_UNIT_PRICE, F_AMOUNT}},
    {"PURCHASE_RETURN", "CT", DOC_TRADE, 17,
     {F_BILL_NO, F_BILL_DATE, F_PARTNER_NAME, DRUG_FIELDS, F_UNIT_PRICE, F_AMOUNT}},
    {"SALE", "XS", DOC_TRADE, 17,
     {F_BILL_NO, F_BILL_DATE, F_PARTNER_NAME, DRUG_FIELDS, F_UNIT_PRICE, F_AMOUNT}},
    {"SALE_RETURN", "XT", DOC_TRADE, 17,
     {F_BILL_NO, F_BILL_DATE, F_PARTNER_NAME, DRUG_FIELDS, F_UNIT_PRICE, F_AMOUNT}},
    {"INVENTORY", "", DOC_INVENTORY, 14, {F_STOCK_DATE, F_WAREHOUSE, DRUG_FIELDS}},
    {"UNQUALIFIED", "BHG", DOC_DISPOSAL, 15, {F_BILL_NO, F_BILL_DATE, DRUG_FIELDS, F_REASON}},
    {"DAMAGE", "BS", DOC_DISPOSAL, 15, {F_BILL_NO, F_BILL_DATE, DRUG_FIELDS, F_REASON}},
};

/* ------------------------------------------------------------- bad rows */

enum bad_kind {
    BAD_NEGATIVE_QTY, BAD_PARTNER_UNMATCHED, BAD_COMMODITY_UNMATCHED, BAD_REQUIRED,
    BAD_FORMAT, BAD_TOO_LONG, BAD_ENCODING, BAD_COLUMNS, BAD_KIND_COUNT
};

static const char *const bad_kind_code[BAD_KIND_COUNT] = {
    "E_NEGATIVE_QTY", "E_PARTNER_UNMATCHED", "E_COMMODITY_UNMATCHED", "E_REQUIRED",
    "E_FORMAT", "E_TOO_LONG", "E_ENCODING", "E_COLUMNS",
};

/* The byte written raw into E_ENCODING rows: invalid in UTF-8 and GB18030. */
#define INVALID_BYTE 0xFF

/* ------------------------------------------------------------ text pools */

struct drug {
    const char *name;
    const char *dosage_form;
    const char *spec;
    const char *piece;      /* the unit inside a pack: 粒, 片, 支 */
    const char *container;  /* the pack, also the row's Unit: 盒, 瓶 */
    unsigned pack_counts[3]; /* distinct: variants 0 and 1 are catalogued, 2 never */
    char approval_class;    /* H chemical, Z traditional Chinese, S biological */
    unsigned price_cents;   /* typical price of the smallest pack */
    bool compound;          /* compound drugs' pack specs carry no strength */
};

static const struct drug drugs[] = {
    {"阿莫西林胶囊", "胶囊剂", "0.25g", "粒", "盒", {24, 36, 48}, 'H', 850, false},
    {"头孢克肟分散片", "片剂", "0.1g", "片", "盒", {6, 8, 12}, 'H', 2450, false},
    {"布洛芬缓释胶囊", "胶囊剂", "0.3g", "粒", "盒", {10, 20, 24}, 'H', 1580, false},
    {"对乙酰氨基酚片", "片剂", "0.5g", "片", "盒", {10, 12, 20}, 'H', 350, false},
    {"盐酸二甲双胍片", "片剂", "0.25g", "片", "盒", {24, 48, 60}, 'H', 620, false},
    {"苯磺酸氨氯地平片", "片剂", "5mg", "片", "盒", {7, 14, 28}, 'H', 1890, false},
    {"阿托伐他汀钙片", "片剂", "20mg", "片", "盒", {7, 14, 28}, 'H', 3560, false},
    {"硝苯地平控释片", "片剂", "30mg", "片", "盒", {7, 12, 14}, 'H', 3320, false},
    {"奥美拉唑肠溶胶囊", "胶囊剂", "20mg", "粒", "盒", {7, 14, 28}, 'H', 1250, false},
    {"氯雷他定片", "片剂", "10mg", "片", "盒", {6, 12, 18}, 'H', 1860, false},
    {"蒙脱石散", "散剂", "3g", "袋", "盒", {10, 12, 15}, 'H', 1420, false},
    {"复方甘草片", "片剂", "复方", "片", "瓶", {50, 100, 200}, 'H', 560, true},
    {"维生素C片", "片剂", "0.1g", "片", "瓶", {60, 100, 1000}, 'H', 300, false},
    {"葡萄糖注射液", "注射剂", "250ml:12.5g", "瓶", "箱", {20, 24, 30}, 'H', 4200, false},
    {"氯化钠注射液", "注射剂", "100ml:0.9g", "袋", "箱", {40, 50, 60}, 'H', 5600, false},
    {"盐酸左氧氟沙星胶囊", "胶囊剂", "0.1g", "粒", "盒", {10, 12, 24}, 'H', 1280, false},
    {"头孢呋辛酯片", "片剂", "0.25g", "片", "盒", {6, 12, 24}, 'H', 2680, false},
    {"罗红霉素胶囊", "胶囊剂", "0.15g", "粒", "盒", {6, 12, 24}, 'H', 980, false},
    {"阿奇霉素片", "片剂", "0.25g", "片", "盒", {4, 6, 12}, 'H', 1750, false},
    {"感冒灵颗粒", "颗粒剂", "10g", "袋", "盒", {6, 9, 12}, 'Z', 1600, false},
    {"板蓝根颗粒", "颗粒剂", "10g", "袋", "包", {10, 20, 30}, 'Z', 1150, false},
    {"连花清瘟胶囊", "胶囊剂", "0.35g", "粒", "盒", {24, 36, 48}, 'Z', 2680, false},
    {"藿香正气水", "酊剂", "10ml", "支", "盒", {5, 6, 10}, 'Z', 1200, false},
    {"六味地黄丸", "丸剂", "0.18g", "丸", "瓶", {120, 200, 360}, 'Z', 2300, false},
    {"复方丹参滴丸", "滴丸剂", "27mg", "丸", "瓶", {150, 180, 270}, 'Z', 3150, false},
    {"小柴胡颗粒", "颗粒剂", "10g", "袋", "盒", {6, 9, 10}, 'Z', 1680, false},
    {"甲硝唑片", "片剂", "0.2g", "片", "瓶", {21, 24, 100}, 'H', 420, false},
    {"盐酸氨溴索口服溶液", "口服溶液剂", "100ml:0.6g", "瓶", "盒", {1, 2, 3}, 'H', 2250, false},
    {"硫酸沙丁胺醇吸入气雾剂", "气雾剂", "100μg×200揿", "瓶", "盒", {1, 2, 3}, 'H', 2890, false},
    {"重组人胰岛素注射液", "注射剂", "3ml:300IU", "支", "盒", {1, 2, 5}, 'S', 6580, false},
    {"人血白蛋白", "注射剂", "10g(20%,50ml)", "瓶", "盒", {1, 2, 3}, 'S', 36000, false},
    {"注射用头孢曲松钠", "注射剂", "1.0g", "瓶", "盒", {1, 10, 50}, 'H', 1800, false},
    {"氯化钾缓释片", "片剂", "0.5g", "片", "盒", {24, 48, 60}, 'H', 1100, false},
    {"格列美脲片", "片剂", "2mg", "片", "盒", {15, 30, 60}, 'H', 2850, false},
    {"厄贝沙坦片", "片剂", "0.15g", "片", "盒", {7, 14, 28}, 'H', 2100, false},
    {"缬沙坦胶囊", "胶囊剂", "80mg", "粒", "盒", {7, 14, 28}, 'H', 2900, false},
    {"硫酸氢氯吡格雷片", "片剂", "75mg", "片", "盒", {7, 14, 28}, 'H', 4500, false},
    {"阿司匹林肠溶片", "片剂", "100mg", "片", "盒", {30, 36, 60}, 'H', 1550, false},
    {"瑞舒伐他汀钙片", "片剂", "10mg", "片", "盒", {7, 14, 28}, 'H', 3900, false},
    {"孟鲁司特钠片", "片剂", "10mg", "片", "盒", {5, 10, 14}, 'H', 4300, false},
    {"盐酸西替利嗪片", "片剂", "10mg", "片", "盒", {6, 12, 24}, 'H', 1900, false},
    {"多潘立酮片", "片剂", "10mg", "片", "盒", {30, 42, 60}, 'H', 1650, false},
    {"双氯芬酸钠缓释片", "片剂", "75mg", "片", "盒", {10, 20, 30}, 'H', 1350, false},
    {"红霉素软膏", "软膏剂", "10g:0.1g", "支", "盒", {1, 2, 3}, 'H', 350, false},
    {"莫匹罗星软膏", "软膏剂", "5g:0.1g", "支", "盒", {1, 2, 3}, 'H', 1980, false},
    {"复方氨酚烷胺片", "片剂", "复方", "片", "盒", {10, 12, 18}, 'H', 1200, true},
    {"健胃消食片", "片剂", "0.8g", "片", "盒", {32, 36, 64}, 'Z', 1450, false},
    {"银翘解毒片", "片剂", "0.5g", "片", "盒", {24, 36, 48}, 'Z', 800, false},
    {"牛黄解毒片", "片剂", "0.27g", "片", "盒", {20, 30, 40}, 'Z', 500, false},
    {"云南白药胶囊", "胶囊剂", "0.25g", "粒", "盒", {16, 32, 48}, 'Z', 3200, false},
    {"复方鲜竹沥液", "合剂", "10ml", "支", "盒", {6, 10, 12}, 'Z', 1800, true},
    {"清开灵颗粒", "颗粒剂", "3g", "袋", "盒", {10, 12, 20}, 'Z', 1500, false},
    {"利巴韦林颗粒", "颗粒剂", "50mg", "袋", "盒", {10, 12, 18}, 'H', 900, false},
    {"盐酸氨溴索片", "片剂", "30mg", "片", "盒", {20, 30, 40}, 'H', 880, false},
    {"醋酸地塞米松片", "片剂", "0.75mg", "片", "瓶", {100, 200, 500}, 'H', 450, false},
    {"碳酸钙D3片", "片剂", "600mg", "片", "瓶", {30, 60, 100}, 'H', 3500, false},
    {"开塞露", "灌肠剂", "20ml", "支", "盒", {2, 10, 20}, 'H', 300, false},
    {"中/长链脂肪乳注射液", "注射剂", "250ml:25g", "瓶", "箱", {1, 10, 12}, 'H', 7500, false},
    {"丙氨酰谷氨酰胺注射液", "注射剂", "50ml:10g", "瓶", "盒", {1, 5, 10}, 'H', 9800, false},
    {"硝酸甘油片", "片剂", "0.5mg", "片", "瓶", {50, 100, 120}, 'H', 1600, false},
    /* 䗪 (U+45EA, CJK extension A) takes four bytes in GB18030. */
    {"大黄䗪虫丸", "丸剂", "3g", "袋", "盒", {6, 10, 12}, 'Z', 3800, false},
};

struct manufacturer {
    const char *name;
    const char *province; /* two digits, the start of domestic approval numbers */
};

static const struct manufacturer manufacturers[] = {
    {"广州白云山制药股份有限公司", "44"}, {"广州白云山光华制药股份有限公司", "44"},
    {"华润三九医药股份有限公司", "44"}, {"珠海联邦制药股份有限公司", "44"},
    {"丽珠集团丽珠制药厂", "44"}, {"广东众生药业股份有限公司", "44"},
    {"广州白云山陈李济药厂有限公司", "44"}, {"广州王老吉药业股份有限公司", "44"},
    {"广东一方制药有限公司", "44"}, {"健康元药业集团股份有限公司", "44"},
    {"深圳信立泰药业股份有限公司", "44"}, {"国药集团致君（深圳）制药有限公司", "44"},
    {"中山市恒生药业有限公司", "44"}, {"广东逸舒制药股份有限公司", "44"},
    {"扬子江药业集团有限公司", "32"}, {"江苏恒瑞医药股份有限公司", "32"},
    {"齐鲁制药有限公司", "37"}, {"山东新华制药股份有限公司", "37"},
    {"石药集团欧意药业有限公司", "13"}, {"华北制药股份有限公司", "13"},
    {"哈药集团制药总厂", "23"}, {"修正药业集团股份有限公司", "22"},
    {"上海信谊药厂有限公司", "31"}, {"浙江海正药业股份有限公司", "33"},
    {"浙江华海药业股份有限公司", "33"}, {"四川科伦药业股份有限公司", "51"},
    {"云南白药集团股份有限公司", "53"}, {"北京同仁堂科技发展股份有限公司", "11"},
    {"天士力医药集团股份有限公司", "12"}, {"海南普利制药股份有限公司", "46"},
    {"重庆药友制药有限责任公司", "50"}, {"湖南九典制药股份有限公司", "43"},
};

/* Imported drugs' manufacturers: each name holds a ',' or '&' (CSV quoting
 * and XML escaping downstream), some a character outside GB2312. */
static const char *const foreign_manufacturers[] = {
    "Merck Sharp & Dohme LLC", "Boehringer Ingelheim Pharma GmbH & Co. KG",
    "Pfizer Manufacturing Deutschland GmbH, Freiburg", "AstraZeneca AB, Södertälje",
    "Johnson & Johnson Consumer Inc.", "Sanofi Winthrop Industrie, Le Trait",
    "Bayer AG, Leverkusen", "Eli Lilly and Company, Indianapolis",
};

static const char *const brand_names[] = {"康泰", "安必仙", "芬必得", "泰诺", "达克宁", "力度伸"};

/* Spec decorations of a few commodities: ',' '<' '>' need care downstream. */
static const char *const spec_notes[] = {"(按无水物计,含量>98.0%)", "(<25℃保存)", "(以C计,≥99%)"};

struct city {
    const char *name;
    const char *division; /* administrative division code, for credit codes */
};

static const struct city cities[] = {
    {"广州市", "440100"}, {"深圳市", "440300"}, {"佛山市", "440600"}, {"东莞市", "441900"},
    {"珠海市", "440400"}, {"中山市", "442000"}, {"惠州市", "441300"}, {"江门市", "440700"},
    {"汕头市", "440500"}, {"湛江市", "440800"}, {"茂名市", "440900"}, {"肇庆市", "441200"},
    {"梅州市", "441400"}, {"清远市", "441800"}, {"韶关市", "440200"}, {"河源市", "441600"},
    {"阳江市", "441700"}, {"揭阳市", "445200"}, {"潮州市", "445100"}, {"汕尾市", "441500"},
    {"云浮市", "445300"},
};

/* Characters of partners' trade names. The last three need four bytes in
 * GB18030 (CJK extension A and B), so GB18030 exports exercise them. */
static const char *const trade_chars[] = {
    "康", "健", "仁", "和", "华", "信", "德", "安", "泰", "福", "民", "众", "益", "联",
    "海", "南", "粤", "星", "宏", "恒", "瑞", "嘉", "济", "生", "源", "广", "金", "天",
    "百", "新", "永", "达", "美", "心", "君", "乐", "宁", "盛", "欣", "博", "佳", "祥",
    "隆", "丰", "兴", "顺", "利", "宝", "怡", "爱", "春", "荣", "通", "汇", "鸿", "同",
    "㐀", "𠀀", "𨋢",
};

struct partner_kind {
    const char *suffix;
    const char *license_prefix; /* 药品经营许可证 number prefix */
};

static const struct partner_kind partner_kinds[] = {
    {"医药有限公司", "粤AA"}, {"医药连锁有限公司", "粤AB"}, {"大药房有限公司", "粤CB"},
    {"药业有限公司", "粤AA"}, {"医药贸易有限公司", "粤AA"}, {"大药房连锁有限公司", "粤CA"},
    {"药店", "粤DB"}, {"门诊部", "粤DB"}, {"医院", "粤DB"}, {"诊所", "粤DB"},
};

static const char *const warehouses[] = {
    "常温库", "阴凉库", "冷藏库(2-8℃)", "中药饮片库", "一号仓库", "二号仓库", "待验区", "退货区",
};
static const char *const warehouses_tricky[] = {"阴凉库,B区", "\"特管\"药品库", "危险品库<易燃>"};

static const char *const unqualified_reasons[] = {
    "外观破损", "包装破损", "标签模糊", "性状不符合规定", "溶出度不合格", "含量测定不合格",
    "抽检不合格", "近效期",
};
static const char *const unqualified_reasons_tricky[] = {
    "含量<90.0%标示量", "水分>9.0%", "检验结论为\"不符合规定\"", "包装破损,内容物泄漏",
};
static const char *const damage_reasons[] = {
    "运输破损", "过期报损", "受潮霉变", "搬运跌落", "鼠咬虫蛀", "冷链断链", "火灾损毁", "盘亏",
};
static const char *const damage_reasons_tricky[] = {
    "冷藏温度>8℃超过2小时", "破损,已销毁", "供应商召回&销毁", "标签\"批号\"不清",
};

static const char credit_code_chars[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";

/* Share (1 in N) of rows given a tricky Warehouse or Reason, of commodities
 * with a tricky DrugName, Spec or Manufacturer (per kind), and of partners
 * with a tricky name (per form). With 人血白蛋白's spec "10g(20%,50ml)", about
 * 1 row in 40 needs quoting and 1 in 120 holds '&', '<' or '>'. */
enum { TRICKY_ROW_ONE_IN = 100, TRICKY_COMMODITY_ONE_IN = 100, TRICKY_PARTNER_ONE_IN = 100 };

/* ---------------------------------------------------------- randomness */

/* splitmix64: the row stream's generator, and (its finaliser) the hash from
 * which every catalog entry is derived, so an entry needs no storage. */
static uint64_t mix64(uint64_t x)
{
    x += 0x9E3779B97F4A7C15u;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9u;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBu;
    return x ^ (x >> 31);
}

struct rng {
    uint64_t state;
};

static uint64_t rng_next(struct rng *r)
{
    r->state += 0x9E3779B97F4A7C15u;
    uint64_t x = r->state;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9u;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBu;
    return x ^ (x >> 31);
}

static uint64_t rng_below(struct rng *r, uint64_t n)
{
    return (rng_next(r) >> 11) % n;
}

static uint64_t gcd64(uint64_t a, uint64_t b)
{
    while (b) {
        uint64_t t = a % b;
        a = b;
        b = t;
    }
    return a;
}

/* ----------------------------------------------------------- text buffer */

/* A bounded byte buffer; writes past the end are dropped (sizes are chosen
 * so that this never happens; text_overflowed tells). */
struct text {
    char *data;
    size_t len;
    size_t cap;
    bool overflowed;
};

static void put_bytes(struct text *t, const char *s, size_t n)
{
    if (n > t->cap - t->len) {
        n = t->cap - t->len;
        t->overflowed = true;
    }
    memcpy(t->data + t->len, s, n);
    t->len += n;
}

static void put_str(struct text *t, const char *s)
{
    put_bytes(t, s, strlen(s));
}

static void put_char(struct text *t, char c)
{
    if (t->len < t->cap)
        t->data[t->len++] = c;
    else
        t->overflowed = true;
}

/* Decimal, zero-padded to at least width digits. */
static void put_uint(struct text *t, uint64_t v, int width)
{
    char digits[24];
    int start = (int)sizeof digits;
    do {
        digits[--start] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while ((int)sizeof digits - start < width && start > 0)
        digits[--start] = '0';
    put_bytes(t, digits + start, sizeof digits - (size_t)start);
}

/* A value with a fixed number of decimals, e.g. cents as "12.50". */
static void put_fixed(struct text *t, int64_t scaled, int decimals)
{
    static const uint64_t scale[] = {1, 10, 100};
    if (scaled < 0) {
        put_char(t, '-');
        scaled = -scaled;
    }
    put_uint(t, (uint64_t)scaled / scale[decimals], 1);
    if (decimals) {
        put_char(t, '.');
        put_uint(t, (uint64_t)scaled % scale[decimals], decimals);
    }
}

static void put_date(struct text *t, unsigned year, unsigned month, unsigned day, char sep)
{
    put_uint(t, year, 4);
    put_char(t, sep);
    put_uint(t, month, 2);
    put_char(t, sep);
    put_uint(t, day, 2);
}

static size_t utf8_chars(const char *s, size_t n)
{
    size_t chars = 0;
    for (size_t i = 0; i < n; i++)
        chars += ((unsigned char)s[i] & 0xC0) != 0x80;
    return chars;
}

/* ------------------------------------------------------------- catalogs */

struct catalog_shape {
    uint64_t commodity_seed;
    uint64_t partner_seed;
    uint64_t commodities;
    uint64_t partners;
    uint64_t drug_code_offset;     /* DrugCode = 869 + (product*M + offset) mod 1e11 */
    uint64_t partner_name_space;   /* city x trade name x kind */
    uint64_t partner_multiplier;   /* coprime to the name space: a bijection */
    uint64_t partner_offset;
};

enum { TRADE_CHAR_COUNT = ARRAY_LEN(trade_chars) };
#define DRUG_CODE_MULTIPLIER 2654435761u /* odd, not a multiple of 5 */
#define DRUG_CODE_SPACE 100000000000u    /* 11 digits after "869" */

static void catalog_shape_init(struct catalog_shape *shape, uint64_t seed,
                               uint64_t commodities, uint64_t partners)
{
    shape->commodity_seed = mix64(seed ^ 0xC0FFEE0001u);
    shape->partner_seed = mix64(seed ^ 0xC0FFEE0002u);
    shape->commodities = commodities;
    shape->partners = partners;
    shape->drug_code_offset = mix64(shape->commodity_seed) % DRUG_CODE_SPACE;
    shape->partner_name_space = (uint64_t)ARRAY_LEN(cities) * TRADE_CHAR_COUNT *
                                (TRADE_CHAR_COUNT - 1) * ARRAY_LEN(partner_kinds);
    uint64_t m = shape->partner_name_space;
    uint64_t a = mix64(shape->partner_seed) % m;
    while (a < 2 || gcd64(a, m) != 1)
        a = (a + 1) % m;
    shape->partner_multiplier = a;
    shape->partner_offset = mix64(shape->partner_seed + 1) % m;
}

/* One commodity of the catalog, everything derived from (seed, index).
 * Commodities 2k and 2k+1 are one product (DrugCode) in two pack sizes. */
struct commodity {
    const struct drug *drug;
    uint64_t hash;
    unsigned pack_variant;     /* index into drug->pack_counts */
    unsigned price_cents;
    char drug_code[16];
    char drug_name_buf[128];
    char spec_buf[96];
    char pack_spec_buf[96];
    char approval_buf[64];
    const char *drug_name;
    const char *spec;
    const char *pack_spec;
    const char *manufacturer;
    const char *approval_no;
};

static void format_pack_spec(const struct drug *drug, unsigned count, char *buf, size_t cap)
{
    struct text t = {buf, 0, cap - 1, false};
    if (!drug->compound) {
        put_str(&t, drug->spec);
        put_char(&t, '*');
    }
    put_uint(&t, count, 1);
    put_str(&t, drug->piece);
    put_char(&t, '/');
    put_str(&t, drug->container);
    buf[t.len] = '\0';
}

static void describe_commodity(const struct catalog_shape *shape, uint64_t index, struct commodity *c)
{
    uint64_t product = index >> 1;
    uint64_t h = mix64(shape->commodity_seed ^ (product * 0xD1B54A32D192ED03u));
    const struct drug *drug = &drugs[h % ARRAY_LEN(drugs)];
    c->drug = drug;
    c->hash = h;
    unsigned first_variant = (unsigned)((h >> 8) % 3);
    c->pack_variant = (first_variant + (unsigned)(index & 1)) % 3;

    struct text code = {c->drug_code, 0, sizeof c->drug_code - 1, false};
    put_str(&code, "869");
    put_uint(&code, (product * DRUG_CODE_MULTIPLIER + shape->drug_code_offset) % DRUG_CODE_SPACE, 11);
    c->drug_code[code.len] = '\0';

    unsigned count = drug->pack_counts[c->pack_variant];
    c->price_cents = (unsigned)((uint64_t)drug->price_cents * (60 + (h >> 16) % 80) / 100 *
                                count / drug->pack_counts[0]);
    if (c->price_cents == 0)
        c->price_cents = 1;
    format_pack_spec(drug, count, c->pack_spec_buf, sizeof c->pack_spec_buf);
    c->pack_spec = c->pack_spec_buf;
    c->drug_name = drug->name;
    c->spec = drug->spec;

    uint64_t tricky = (h >> 24) % (TRICKY_COMMODITY_ONE_IN * 3);
    bool imported = tricky == 0;
    struct text approval = {c->approval_buf, 0, sizeof c->approval_buf - 1, false};
    put_str(&approval, "国药准字");
    put_char(&approval, drug->approval_class);
    if (imported) {
        c->manufacturer = foreign_manufacturers[(h >> 40) % ARRAY_LEN(foreign_manufacturers)];
        put_char(&approval, 'J');
        put_uint(&approval, 2010 + (h >> 32) % 16, 4);
        put_uint(&approval, (h >> 44) % 10000, 4);
    } else {
        const struct manufacturer *m = &manufacturers[(h >> 32) % ARRAY_LEN(manufacturers)];
        c->manufacturer = m->name;
        put_str(&approval, m->province);
        put_uint(&approval, (h >> 40) % 1000000, 6);
    }
    c->approval_buf[approval.len] = '\0';
    c->approval_no = c->approval_buf;

    if (tricky == 1) { /* DrugName with ASCII quotes */
        struct text name = {c->drug_name_buf, 0, sizeof c->drug_name_buf - 1, false};
        put_str(&name, drug->name);
        put_str(&name, "(商品名\"");
        put_str(&name, brand_names[(h >> 48) % ARRAY_LEN(brand_names)]);
        put_str(&name, "\")");
        c->drug_name_buf[name.len] = '\0';
        c->drug_name = c->drug_name_buf;
    } else if (tricky == 2) { /* Spec with ',' '<' '>' */
        struct text spec = {c->spec_buf, 0, sizeof c->spec_buf - 1, false};
        put_str(&spec, drug->spec);
        put_str(&spec, spec_notes[(h >> 48) % ARRAY_LEN(spec_notes)]);
        c->spec_buf[spec.len] = '\0';
        c->spec = c->spec_buf;
    }
}

/* The pack spec of a product's third pack size, which no catalog holds. */
static void uncatalogued_pack_spec(const struct commodity *c, char *buf, size_t cap)
{
    /* Catalogued variants are first and first+1 (mod 3); first+2 never is. */
    unsigned variant = (unsigned)(((c->hash >> 8) % 3 + 2) % 3);
    format_pack_spec(c->drug, c->drug->pack_counts[variant], buf, cap);
}

/* One partner: a unique name (the catalog key) and its registration numbers. */
struct partner {
    char name[192];
    char credit_code[24];
    char license_no[32];
};

static void describe_partner(const struct catalog_shape *shape, uint64_t index, struct partner *p)
{
    uint64_t m = shape->partner_name_space;
    uint64_t branch = index / m;
    uint64_t q = ((index % m) * shape->partner_multiplier + shape->partner_offset) % m;
    const struct city *city = &cities[q % ARRAY_LEN(cities)];
    q /= ARRAY_LEN(cities);
    uint64_t pair = q % (TRADE_CHAR_COUNT * (TRADE_CHAR_COUNT - 1));
    q /= TRADE_CHAR_COUNT * (TRADE_CHAR_COUNT - 1);
    const struct partner_kind *kind = &partner_kinds[q];
    unsigned first = (unsigned)(pair / (TRADE_CHAR_COUNT - 1));
    unsigned second = (unsigned)(pair % (TRADE_CHAR_COUNT - 1));
    if (second >= first)
        second++;
    uint64_t h = mix64(shape->partner_seed ^ (index * 0xD1B54A32D192ED03u));

    /* Name forms are told apart by '"' and '&', so names stay unique. */
    struct text name = {p->name, 0, sizeof p->name - 1, false};
    put_str(&name, city->name);
    uint64_t tricky = h % (TRICKY_PARTNER_ONE_IN * 2);
    if (tricky == 0)
        put_char(&name, '"');
    put_str(&name, trade_chars[first]);
    if (tricky == 1)
        put_char(&name, '&');
    put_str(&name, trade_chars[second]);
    if (tricky == 0)
        put_char(&name, '"');
    put_str(&name, kind->suffix);
    if (branch) {
        put_str(&name, "第");
        put_uint(&name, branch + 1, 1);
        put_str(&name, "分店");
    }
    p->name[name.len] = '\0';

    struct text credit = {p->credit_code, 0, sizeof p->credit_code - 1, false};
    put_str(&credit, "91");
    put_str(&credit, city->division);
    for (int i = 0; i < 10; i++)
        put_char(&credit, credit_code_chars[(h >> (8 + 5 * i)) % (sizeof credit_code_chars - 1)]);
    p->credit_code[credit.len] = '\0';

    struct text license = {p->license_no, 0, sizeof p->license_no - 1, false};
    put_str(&license, kind->license_prefix);
    put_uint(&license, (h >> 20) % 10000000, 7);
    p->license_no[license.len] = '\0';
}

/* ---------------------------------------------------------------- output */

/* Where rows go: a big stdio buffer, and for GB18030 an iconv step, fed whole
 * rows in batches, that lets INVALID_BYTE through untouched (it is the
 * E_ENCODING defect). */
struct output {
    FILE *file;
    const char *path;
    iconv_t to_encoding;       /* (iconv_t)-1 when writing UTF-8 */
    char pending[256 * 1024];  /* UTF-8 rows waiting for conversion */
    size_t pending_len;
    char converted[64 * 1024];
    bool failed;
};

static void output_convert_pending(struct output *out)
{
    char *in = out->pending;
    size_t in_left = out->pending_len;
    out->pending_len = 0;
    while (in_left > 0) {
        char *conv = out->converted;
        size_t conv_left = sizeof out->converted;
        size_t rc = iconv(out->to_encoding, &in, &in_left, &conv, &conv_left);
        size_t produced = sizeof out->converted - conv_left;
        if (produced && fwrite(out->converted, 1, produced, out->file) != produced)
            out->failed = true;
        if (rc != (size_t)-1)
            continue;
        if (errno == E2BIG)
            continue;
        if (errno == EILSEQ && (unsigned char)*in == INVALID_BYTE) {
            if (fputc(INVALID_BYTE, out->file) == EOF)
                out->failed = true;
            in++;
            in_left--;
            continue;
        }
        out->failed = true; /* cannot happen: every generated character exists in GB18030 */
        return;
    }
}

/* Writes complete rows (never a part of a character). */
static void output_write(struct output *out, const char *data, size_t len)
{
    if (out->to_encoding == (iconv_t)-1) {
        if (fwrite(data, 1, len, out->file) != len)
            out->failed = true;
        return;
    }
    if (len > sizeof out->pending - out->pending_len)
        output_convert_pending(out);
    if (len > sizeof out->pending) { /* cannot happen: rows are at most 16 KiB */
        out->failed = true;
        return;
    }
    memcpy(out->pending + out->pending_len, data, len);
    out->pending_len += len;
}

static void output_finish(struct output *out)
{
    if (out->to_encoding != (iconv_t)-1) {
        output_convert_pending(out);
        iconv_close(out->to_encoding);
        out->to_encoding = (iconv_t)-1;
    }
}

/* Appends one CSV field, quoted (with '"' doubled) when it must be. */
static void put_csv_field(struct text *row, const char *value, size_t len, bool first)
{
    if (!first)
        put_char(row, ',');
    bool quote = false;
    for (size_t i = 0; i < len && !quote; i++) {
        unsigned char c = (unsigned char)value[i];
        quote = c <= ',' && (c == ',' || c == '"' || c == '\n' || c == '\r');
    }
    if (!quote) {
        put_bytes(row, value, len);
        return;
    }
    put_char(row, '"');
    for (size_t i = 0; i < len; i++) {
        if (value[i] == '"')
            put_char(row, '"');
        put_char(row, value[i]);
    }
    put_char(row, '"');
}

/* mkdir -p: creates dir and any missing parents. */
static int make_directories(const char *dir)
{
    char path[4096];
    if (snprintf(path, sizeof path, "%s", dir) >= (int)sizeof path) {
        errno = ENAMETOOLONG;
        return -1;
    }
    for (char *slash = strchr(path + 1, '/');; slash = strchr(slash + 1, '/')) {
        if (slash)
            *slash = '\0';
        if (mkdir(path, 0777) != 0 && errno != EEXIST)
            return -1;
        if (!slash)
            return 0;
        *slash = '/';
    }
}

static int write_catalogs(const char *dir, const struct catalog_shape *shape)
{
    if (make_directories(dir) != 0) {
        fprintf(stderr, "gen: cannot create %s: %s\n", dir, strerror(errno));
        return -1;
    }
    static char row_data[4096];
    struct text row = {row_data, 0, sizeof row_data, false};
    char path[4096];

    snprintf(path, sizeof path, "%s/commodities.csv", dir);
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "gen: cannot create %s: %s\n", path, strerror(errno));
        return -1;
    }
    setvbuf(f, NULL, _IOFBF, 1 << 20);
    fputs("DrugCode,PackSpec,DrugName,Spec,DosageForm,Manufacturer,ApprovalNo\n", f);
    for (uint64_t i = 0; i < shape->commodities; i++) {
        struct commodity c;
        describe_commodity(shape, i, &c);
        row.len = 0;
        put_csv_field(&row, c.drug_code, strlen(c.drug_code), true);
        put_csv_field(&row, c.pack_spec, strlen(c.pack_spec), false);
        put_csv_field(&row, c.drug_name, strlen(c.drug_name), false);
        put_csv_field(&row, c.spec, strlen(c.spec), false);
        put_csv_field(&row, c.drug->dosage_form, strlen(c.drug->dosage_form), false);
        put_csv_field(&row, c.manufacturer, strlen(c.manufacturer), false);
        put_csv_field(&row, c.approval_no, strlen(c.approval_no), false);
        put_char(&row, '\n');
        fwrite(row.data, 1, row.len, f);
    }
    if (ferror(f) | fclose(f)) {
        fprintf(stderr, "gen: cannot write %s\n", path);
        return -1;
    }

    snprintf(path, sizeof path, "%s/partners.csv", dir);
    f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "gen: cannot create %s: %s\n", path, strerror(errno));
        return -1;
    }
    setvbuf(f, NULL, _IOFBF, 1 << 20);
    fputs("Name,CreditCode,LicenseNo\n", f);
    for (uint64_t i = 0; i < shape->partners; i++) {
        struct partner p;
        describe_partner(shape, i, &p);
        row.len = 0;
        put_csv_field(&row, p.name, strlen(p.name), true);
        put_csv_field(&row, p.credit_code, strlen(p.credit_code), false);
        put_csv_field(&row, p.license_no, strlen(p.license_no), false);
        put_char(&row, '\n');
        fwrite(row.data, 1, row.len, f);
    }
    if (ferror(f) | fclose(f)) {
        fprintf(stderr, "gen: cannot write %s\n", path);
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------------------ rows */

struct options {
    const struct doc_type *type;
    uint64_t rows;
    bool rows_given;
    double bad_share;
    uint64_t seed;
    const char *encoding;      /* "UTF-8" or "GB18030" */
    bool bom;
    const char *out_path;      /* NULL: stdout */
    const char *catalogs_dir;
    const char *expect_path;
    uint64_t commodities;
    uint64_t partners;
};

/* The values of one row, each a (pointer, length) into static text or into
 * the row's scratch buffer. */
struct row_values {
    const char *text[FIELD_COUNT];
    size_t len[FIELD_COUNT];
};

static void set_value(struct row_values *v, enum field_id f, const char *s, size_t n)
{
    v->text[f] = s;
    v->len[f] = n;
}

static void set_value_str(struct row_values *v, enum field_id f, const char *s)
{
    set_value(v, f, s, strlen(s));
}

/* Formats into scratch and makes it the value of field f. */
struct scratch_mark {
    struct text *scratch;
    size_t start;
};

static struct scratch_mark scratch_begin(struct text *scratch)
{
    return (struct scratch_mark){scratch, scratch->len};
}

static void scratch_end(struct scratch_mark mark, struct row_values *v, enum field_id f)
{
    set_value(v, f, mark.scratch->data + mark.start, mark.scratch->len - mark.start);
}

/* The state that runs across rows (bills span several rows), and the
 * storage that the current row's values point into. */
struct row_stream {
    struct rng rng;
    uint64_t bill_seq;
    unsigned bill_rows_left;
    unsigned bill_day;
    struct partner bill_partner;
    struct commodity commodity; /* the current row's */
};

/* Builds row number `index` (0-based) into *v using scratch; `defect` is a
 * bad_kind or -1 and `variant` picks among a defect's forms. Returns the
 * number of columns to write (the doc type's, or one off for E_COLUMNS). */
static int build_row(const struct options *opt, const struct catalog_shape *shape,
                     struct row_stream *stream, uint64_t index, int defect, uint64_t variant,
                     struct text *scratch, struct row_values *v)
{
    const struct doc_type *type = opt->type;
    struct rng *rng = &stream->rng;
    scratch->len = 0;

    if (type->kind != DOC_INVENTORY && stream->bill_rows_left == 0) {
        stream->bill_rows_left = 1 + (unsigned)rng_below(rng, 8);
        stream->bill_seq++;
        stream->bill_day = 1 + (unsigned)(index * 31 / opt->rows);
        uint64_t partner = rng_below(rng, shape->partners);
        if (type->kind == DOC_TRADE)
            describe_partner(shape, partner, &stream->bill_partner);
    }
    if (stream->bill_rows_left)
        stream->bill_rows_left--;

    struct commodity *c = &stream->commodity; /* the row's values point into it */
    describe_commodity(shape, rng_below(rng, shape->commodities), c);
    uint64_t draw = rng_next(rng); /* bits for everything else in the row */
    bool tricky_row = (draw & 0xFFFF) % TRICKY_ROW_ONE_IN == 0;
    draw >>= 16;

    struct scratch_mark mark;
    if (type->kind == DOC_INVENTORY) {
        set_value_str(v, F_STOCK_DATE, "2026-10-31");
        if (tricky_row)
            set_value_str(v, F_WAREHOUSE, warehouses_tricky[draw % ARRAY_LEN(warehouses_tricky)]);
        else
            set_value_str(v, F_WAREHOUSE, warehouses[draw % ARRAY_LEN(warehouses)]);
    } else {
        mark = scratch_begin(scratch);
        put_str(scratch, type->bill_prefix);
        put_uint(scratch, 2026, 4);
        put_uint(scratch, 10, 2);
        put_uint(scratch, stream->bill_day, 2);
        put_uint(scratch, stream->bill_seq, 6);
        scratch_end(mark, v, F_BILL_NO);
        mark = scratch_begin(scratch);
        put_date(scratch, 2026, 10, stream->bill_day, '-');
        scratch_end(mark, v, F_BILL_DATE);
    }
    if (type->kind == DOC_TRADE) {
        mark = scratch_begin(scratch);
        put_str(scratch, stream->bill_partner.name);
        if (defect == BAD_PARTNER_UNMATCHED)
            put_str(scratch, "（未备案）");
        scratch_end(mark, v, F_PARTNER_NAME);
    }
    if (type->kind == DOC_DISPOSAL) {
        bool unqualified = strcmp(type->name, "UNQUALIFIED") == 0;
        const char *const *pool = unqualified ? unqualified_reasons : damage_reasons;
        size_t pool_len = unqualified ? ARRAY_LEN(unqualified_reasons) : ARRAY_LEN(damage_reasons);
        if (tricky_row) {
            pool = unqualified ? unqualified_reasons_tricky : damage_reasons_tricky;
            pool_len = unqualified ? ARRAY_LEN(unqualified_reasons_tricky)
                                   : ARRAY_LEN(damage_reasons_tricky);
        }
        set_value_str(v, F_REASON, pool[(draw >> 8) % pool_len]);
    }

    /* Drug fields. */
    set_value_str(v, F_DRUG_CODE, c->drug_code);
    set_value_str(v, F_DRUG_NAME, c->drug_name);
    set_value_str(v, F_SPEC, c->spec);
    set_value_str(v, F_PACK_SPEC, c->pack_spec);
    set_value_str(v, F_DOSAGE_FORM, c->drug->dosage_form);
    set_value_str(v, F_MANUFACTURER, c->manufacturer);
    set_value_str(v, F_APPROVAL_NO, c->approval_no);
    set_value_str(v, F_UNIT, c->drug->container);

    /* A batch: produced 2025-01..2026-09, shelf life 2 or 3 years. */
    uint64_t batch = rng_next(rng);
    unsigned prod_year = 2025 + (unsigned)(batch % 2);
    unsigned prod_month = 1 + (unsigned)((batch >> 8) % (prod_year == 2025 ? 12 : 9));
    unsigned prod_day = 2 + (unsigned)((batch >> 16) % 27);
    unsigned shelf_years = 2 + (unsigned)((batch >> 24) % 2);
    mark = scratch_begin(scratch);
    if ((batch >> 28) % 5 == 0)
        put_char(scratch, 'B');
    put_uint(scratch, prod_year % 100, 2);
    put_uint(scratch, prod_month, 2);
    put_uint(scratch, prod_day, 2);
    put_uint(scratch, (batch >> 32) % 100, 2);
    scratch_end(mark, v, F_BATCH_NO);
    mark = scratch_begin(scratch);
    if (defect == BAD_FORMAT && variant % 3 == 2) { /* a format no sample mapping accepts */
        put_uint(scratch, prod_year, 4);
        put_str(scratch, "年");
        put_uint(scratch, prod_month, 2);
        put_str(scratch, "月");
        put_uint(scratch, prod_day, 2);
        put_str(scratch, "日");
    } else {
        put_date(scratch, prod_year, prod_month, prod_day, '-');
    }
    scratch_end(mark, v, F_PRODUCTION_DATE);
    mark = scratch_begin(scratch);
    put_date(scratch, prod_year + shelf_years, prod_month, prod_day - 1, '-');
    scratch_end(mark, v, F_EXPIRY_DATE);

    /* Quantity in tenths: mostly whole packs, now and then a split pack (拆零). */
    uint64_t amounts = rng_next(rng);
    uint64_t qty_tenths;
    if (type->kind == DOC_INVENTORY)
        qty_tenths = 10 * (1 + amounts % 3000);
    else if (amounts % 4 == 0)
        qty_tenths = 10 * (1 + (amounts >> 8) % 200);
    else
        qty_tenths = 10 * (1 + (amounts >> 8) % 20);
    if ((amounts >> 20) % 25 == 0)
        qty_tenths += 5;
    int64_t qty_sign = defect == BAD_NEGATIVE_QTY ? -1 : 1;
    mark = scratch_begin(scratch);
    if (qty_tenths % 10) /* a split pack: one decimal; whole packs: none */
        put_fixed(scratch, qty_sign * (int64_t)qty_tenths, 1);
    else
        put_fixed(scratch, qty_sign * (int64_t)(qty_tenths / 10), 0);
    scratch_end(mark, v, F_QUANTITY);
    if (type->kind == DOC_TRADE) {
        uint64_t price = (uint64_t)c->price_cents * (90 + (amounts >> 32) % 21) / 100;
        if (price == 0)
            price = 1;
        mark = scratch_begin(scratch);
        put_fixed(scratch, (int64_t)price, 2);
        scratch_end(mark, v, F_UNIT_PRICE);
        uint64_t amount = (qty_tenths * price + 5) / 10; /* cents, half up */
        mark = scratch_begin(scratch);
        put_fixed(scratch, qty_sign * (int64_t)amount, 2);
        scratch_end(mark, v, F_AMOUNT);
    }

    int columns = type->field_count;
    switch (defect) {
    case BAD_COMMODITY_UNMATCHED: {
        char pack_spec[96];
        uncatalogued_pack_spec(c, pack_spec, sizeof pack_spec);
        mark = scratch_begin(scratch);
        put_str(scratch, pack_spec);
        scratch_end(mark, v, F_PACK_SPEC);
        break;
    }
    case BAD_REQUIRED: {
        /* Not Unit: the sample mappings give it a default. */
        static const enum field_id emptied[] = {F_BATCH_NO, F_MANUFACTURER, F_APPROVAL_NO, F_DRUG_NAME};
        set_value(v, emptied[variant % ARRAY_LEN(emptied)], "", 0);
        break;
    }
    case BAD_FORMAT:
        if (variant % 3 == 0)
            set_value_str(v, type->kind == DOC_INVENTORY ? F_STOCK_DATE : F_BILL_DATE, "2026-13-45");
        else if (variant % 3 == 1)
            set_value_str(v, F_EXPIRY_DATE, "abc");
        /* variant 2: the production date was written as YYYY年MM月DD日 above */
        break;
    case BAD_TOO_LONG: {
        size_t name_len = strlen(c->drug_name);
        size_t name_chars = utf8_chars(c->drug_name, name_len);
        mark = scratch_begin(scratch);
        for (size_t chars = 0; chars <= 200; chars += name_chars)
            put_bytes(scratch, c->drug_name, name_len);
        scratch_end(mark, v, F_DRUG_NAME);
        break;
    }
    case BAD_ENCODING: { /* the invalid byte after the name's first character */
        const char *name = c->drug_name;
        size_t first = 1;
        while (name[first] && ((unsigned char)name[first] & 0xC0) == 0x80)
            first++;
        mark = scratch_begin(scratch);
        put_bytes(scratch, name, first);
        put_char(scratch, (char)INVALID_BYTE);
        put_str(scratch, name + first);
        scratch_end(mark, v, F_DRUG_NAME);
        break;
    }
    case BAD_COLUMNS:
        columns += variant % 2 ? 1 : -1;
        break;
    default:
        break;
    }
    return columns;
}

static void put_row(struct text *row, const struct doc_type *type, const struct row_values *v, int columns)
{
    row->len = 0;
    for (int i = 0; i < columns; i++) {
        if (i < type->field_count) {
            enum field_id f = type->fields[i];
            put_csv_field(row, v->text[f], v->len[f], i == 0);
        } else {
            put_csv_field(row, "多余列", strlen("多余列"), false);
        }
    }
    put_char(row, '\n');
}

struct bad_plan {
    uint64_t total;            /* bad rows in the file */
    uint64_t issued;           /* bad rows written so far */
    uint64_t next_row;         /* row index of the next bad row, or UINT64_MAX */
    int kinds[BAD_KIND_COUNT]; /* the kinds this doc type can have, in turn */
    int kind_count;
    uint64_t counts[BAD_KIND_COUNT];
};

/* Bad row k sits at floor((k + 1/2) * rows / bad): evenly spread. */
static uint64_t bad_row_position(uint64_t k, uint64_t rows, uint64_t bad)
{
    return (2 * k + 1) * rows / (2 * bad);
}

static void bad_plan_init(struct bad_plan *plan, const struct options *opt)
{
    memset(plan, 0, sizeof *plan);
    plan->total = (uint64_t)((double)opt->rows * opt->bad_share + 0.5);
    if (plan->total > opt->rows)
        plan->total = opt->rows;
    for (int k = 0; k < BAD_KIND_COUNT; k++)
        if (k != BAD_PARTNER_UNMATCHED || opt->type->kind == DOC_TRADE)
            plan->kinds[plan->kind_count++] = k;
    plan->next_row = plan->total ? bad_row_position(0, opt->rows, plan->total) : UINT64_MAX;
}

static int write_rows(const struct options *opt, const struct catalog_shape *shape, struct bad_plan *plan)
{
    struct output *out = calloc(1, sizeof *out);
    if (!out) {
        fprintf(stderr, "gen: out of memory\n");
        return -1;
    }
    out->to_encoding = (iconv_t)-1;
    out->path = opt->out_path ? opt->out_path : "<stdout>";
    out->file = opt->out_path ? fopen(opt->out_path, "wb") : stdout;
    if (!out->file) {
        fprintf(stderr, "gen: cannot create %s: %s\n", opt->out_path, strerror(errno));
        free(out);
        return -1;
    }
    static char file_buffer[4 << 20];
    setvbuf(out->file, file_buffer, _IOFBF, sizeof file_buffer);
    if (strcmp(opt->encoding, "GB18030") == 0) {
        out->to_encoding = iconv_open("GB18030", "UTF-8");
        if (out->to_encoding == (iconv_t)-1) {
            fprintf(stderr, "gen: iconv cannot convert UTF-8 to GB18030: %s\n", strerror(errno));
            if (opt->out_path)
                fclose(out->file);
            free(out);
            return -1;
        }
    }

    static char row_data[16 * 1024], scratch_data[8 * 1024];
    struct text row = {row_data, 0, sizeof row_data, false};
    struct text scratch = {scratch_data, 0, sizeof scratch_data, false};

    if (opt->bom)
        output_write(out, "\xEF\xBB\xBF", 3); /* U+FEFF, in the output encoding */
    for (int i = 0; i < opt->type->field_count; i++)
        put_csv_field(&row, field_header[opt->type->fields[i]],
                      strlen(field_header[opt->type->fields[i]]), i == 0);
    put_char(&row, '\n');
    output_write(out, row.data, row.len);

    struct row_stream stream = {0};
    stream.rng.state = mix64(opt->seed ^ mix64((uint64_t)(opt->type - doc_types) + 0xBEEF));
    for (uint64_t r = 0; r < opt->rows && !out->failed; r++) {
        int defect = -1;
        uint64_t variant = 0;
        if (r == plan->next_row) {
            uint64_t k = plan->issued++;
            defect = plan->kinds[k % (uint64_t)plan->kind_count];
            variant = k / (uint64_t)plan->kind_count;
            plan->counts[defect]++;
            plan->next_row = plan->issued < plan->total
                                 ? bad_row_position(plan->issued, opt->rows, plan->total)
                                 : UINT64_MAX;
        }
        struct row_values values;
        int columns = build_row(opt, shape, &stream, r, defect, variant, &scratch, &values);
        put_row(&row, opt->type, &values, columns);
        if (row.overflowed || scratch.overflowed) {
            fprintf(stderr, "gen: internal error: row %" PRIu64 " does not fit its buffer\n", r + 1);
            out->failed = true;
            break;
        }
        output_write(out, row.data, row.len);
    }

    output_finish(out);
    int result = out->failed ? -1 : 0;
    if (fflush(out->file) != 0 || ferror(out->file))
        result = -1;
    if (opt->out_path && fclose(out->file) != 0)
        result = -1;
    if (result != 0)
        fprintf(stderr, "gen: cannot write %s\n", out->path);
    free(out);
    return result;
}

static void report_counts(FILE *f, const struct options *opt, const struct bad_plan *plan, bool json)
{
    if (json) {
        fprintf(f, "{\"type\":\"%s\",\"rows\":%" PRIu64 ",\"good\":%" PRIu64 ",\"bad\":{",
                opt->type->name, opt->rows, opt->rows - plan->total);
        for (int k = 0; k < BAD_KIND_COUNT; k++)
            fprintf(f, "%s\"%s\":%" PRIu64, k ? "," : "", bad_kind_code[k], plan->counts[k]);
        fprintf(f, "}}\n");
        return;
    }
    fprintf(f, "gen: %s rows=%" PRIu64 " good=%" PRIu64 " bad=%" PRIu64, opt->type->name,
            opt->rows, opt->rows - plan->total, plan->total);
    for (int k = 0; k < BAD_KIND_COUNT; k++)
        fprintf(f, " %s=%" PRIu64, bad_kind_code[k], plan->counts[k]);
    fprintf(f, "\n");
}

static int write_expect(const char *path, const struct options *opt, const struct bad_plan *plan)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "gen: cannot create %s: %s\n", path, strerror(errno));
        return -1;
    }
    report_counts(f, opt, plan, true);
    if (ferror(f) | fclose(f)) {
        fprintf(stderr, "gen: cannot write %s\n", path);
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------------------ main */

static void usage(FILE *f)
{
    fprintf(f,
"usage: gen [--type TYPE] --rows N [options]     write a synthetic ERP export\n"
"       gen --catalogs DIR [options]              write only the catalogs\n"
"\n"
"Deterministic synthetic CSV exports of Guangdong drug-distribution data, for\n"
"the benchmarks and the end-to-end tests. Same options, same bytes.\n"
"\n"
"  --type TYPE          PURCHASE, PURCHASE_RETURN, SALE (default), SALE_RETURN,\n"
"                       INVENTORY, UNQUALIFIED or DAMAGE\n"
"  --rows N             data rows to write (the header row comes on top)\n"
"  --bad-share S        share of bad rows, 0..1 (default 0), see below\n"
"  --seed N             seed of everything (default 1)\n"
"  --encoding ENC       UTF-8 (default) or GB18030 (via iconv)\n"
"  --bom                start with U+FEFF in the output encoding\n"
"                       (EF BB BF in UTF-8, 84 31 95 33 in GB18030)\n"
"  --out FILE           write the export there (default: standard output)\n"
"  --catalogs DIR       also write DIR/commodities.csv and DIR/partners.csv\n"
"                       (UTF-8, no BOM); without --rows, write only those\n"
"  --commodities N      commodity catalog size (default 100000)\n"
"  --partners N         partner catalog size (default 20000)\n"
"  --expect FILE        write the row accounting as JSON:\n"
"                       {\"type\":T,\"rows\":N,\"good\":G,\"bad\":{\"E_NEGATIVE_QTY\":n,...}}\n"
"  --help               this text\n"
"\n"
"The export: comma-delimited, '\"' quoting where needed, LF line ends, a\n"
"header row of the Chinese column names the sample mappings map, columns in\n"
"the order of the doc type's fields in profile gd-v1. SALE rows are about\n"
"230 bytes in UTF-8. About 1 row in 40 has a text field that holds a ',' or\n"
"'\"' (so it is quoted) and about 1 in 120 one with '&', '<' or '>'. Now and\n"
"then a partner name or DrugName holds a character that takes four bytes in\n"
"GB18030 (U+3400, U+20000, U+282E2, U+45EA).\n"
"\n"
"Catalogs are a function of (--seed, --commodities, --partners) only, not of\n"
"--type or --rows: one catalog directory serves every export made with the\n"
"same three options. Every good row references a commodity (DrugCode,\n"
"PackSpec) and, for PURCHASE*/SALE*, a partner (Name) of those catalogs.\n"
"\n"
"Bad rows (--bad-share): round(rows*S) rows, spread evenly, kinds in turn,\n"
"exactly one defect per bad row; counts go to stderr and --expect:\n"
"  E_NEGATIVE_QTY        Quantity (and Amount) below zero\n"
"  E_PARTNER_UNMATCHED   PartnerName + \"（未备案）\" (PURCHASE*/SALE* only)\n"
"  E_COMMODITY_UNMATCHED a pack size of the product that no catalog holds\n"
"  E_REQUIRED            BatchNo, Manufacturer, ApprovalNo or DrugName empty\n"
"  E_FORMAT              BillDate/StockDate 2026-13-45, ExpiryDate abc, or\n"
"                        ProductionDate YYYY年MM月DD日\n"
"  E_TOO_LONG            DrugName of more than 200 characters\n"
"  E_ENCODING            a lone 0xFF byte inside DrugName\n"
"  E_COLUMNS             one column fewer or one more than the header\n");
}

static int parse_count(const char *text, const char *option, uint64_t *value)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(text, &end, 10);
    if (errno || end == text || *end || text[0] == '-') {
        fprintf(stderr, "gen: %s wants a whole number, not '%s'\n", option, text);
        return -1;
    }
    *value = v;
    return 0;
}

/* Fills *opt from argv; returns 0, 1 for --help, or -1 after printing why. */
static int parse_options(int argc, char **argv, struct options *opt)
{
    static const struct option long_options[] = {
        {"type", required_argument, NULL, 't'},     {"rows", required_argument, NULL, 'r'},
        {"bad-share", required_argument, NULL, 'b'}, {"seed", required_argument, NULL, 's'},
        {"encoding", required_argument, NULL, 'e'}, {"bom", no_argument, NULL, 'B'},
        {"out", required_argument, NULL, 'o'},      {"catalogs", required_argument, NULL, 'c'},
        {"commodities", required_argument, NULL, 'C'}, {"partners", required_argument, NULL, 'P'},
        {"expect", required_argument, NULL, 'x'},   {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    *opt = (struct options){
        .type = &doc_types[2], .seed = 1, .encoding = "UTF-8",
        .commodities = 100000, .partners = 20000,
    };
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "", long_options, NULL)) != -1) {
        char *end;
        switch (c) {
        case 't':
            opt->type = NULL;
            for (size_t i = 0; i < ARRAY_LEN(doc_types); i++)
                if (strcmp(optarg, doc_types[i].name) == 0)
                    opt->type = &doc_types[i];
            if (!opt->type) {
                fprintf(stderr, "gen: unknown --type '%s' (see --help)\n", optarg);
                return -1;
            }
            break;
        case 'r':
            if (parse_count(optarg, "--rows", &opt->rows) != 0)
                return -1;
            opt->rows_given = true;
            break;
        case 'b':
            errno = 0;
            opt->bad_share = strtod(optarg, &end);
            if (errno || end == optarg || *end || !(opt->bad_share >= 0 && opt->bad_share <= 1)) {
                fprintf(stderr, "gen: --bad-share wants a number from 0 to 1, not '%s'\n", optarg);
                return -1;
            }
            break;
        case 's':
            if (parse_count(optarg, "--seed", &opt->seed) != 0)
                return -1;
            break;
        case 'e':
            if (strcasecmp(optarg, "UTF-8") == 0 || strcasecmp(optarg, "UTF8") == 0)
                opt->encoding = "UTF-8";
            else if (strcasecmp(optarg, "GB18030") == 0)
                opt->encoding = "GB18030";
            else {
                fprintf(stderr, "gen: --encoding is UTF-8 or GB18030, not '%s'\n", optarg);
                return -1;
            }
            break;
        case 'B':
            opt->bom = true;
            break;
        case 'o':
            opt->out_path = optarg;
            break;
        case 'c':
            opt->catalogs_dir = optarg;
            break;
        case 'C':
            if (parse_count(optarg, "--commodities", &opt->commodities) != 0)
                return -1;
            break;
        case 'P':
            if (parse_count(optarg, "--partners", &opt->partners) != 0)
                return -1;
            break;
        case 'x':
            opt->expect_path = optarg;
            break;
        case 'h':
            return 1;
        default:
            fprintf(stderr, "gen: unknown or incomplete option '%s' (see --help)\n", argv[optind - 1]);
            return -1;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "gen: unexpected argument '%s' (see --help)\n", argv[optind]);
        return -1;
    }
    if (!opt->rows_given && !opt->catalogs_dir) {
        fprintf(stderr, "gen: nothing to do: give --rows N and/or --catalogs DIR (see --help)\n");
        return -1;
    }
    if (opt->commodities < 1 || opt->commodities > (1u << 31) || opt->partners < 1 ||
        opt->partners > (1u << 31)) {
        fprintf(stderr, "gen: --commodities and --partners go from 1 to 2^31\n");
        return -1;
    }
    if (opt->rows > (UINT64_C(1) << 40)) {
        fprintf(stderr, "gen: --rows is at most 2^40\n");
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    struct options opt;
    int parsed = parse_options(argc, argv, &opt);
    if (parsed == 1) {
        usage(stdout);
        return 0;
    }
    if (parsed != 0)
        return 2;

    struct catalog_shape shape;
    catalog_shape_init(&shape, opt.seed, opt.commodities, opt.partners);
    if (opt.catalogs_dir && write_catalogs(opt.catalogs_dir, &shape) != 0)
        return 1;
    if (!opt.rows_given)
        return 0;

    struct bad_plan plan;
    bad_plan_init(&plan, &opt);
    if (write_rows(&opt, &shape, &plan) != 0)
        return 1;
    report_counts(stderr, &opt, &plan, false);
    if (opt.expect_path && write_expect(opt.expect_path, &opt, &plan) != 0)
        return 1;
    return 0;
}

/* test_document_target.c — service/document/doc_target.c: every phrase form on its own. */
#include <check.h>
#include <string.h>

#include "document/doc_target.h"
#include "suites.h"

static struct doc_target t[16];

static size_t find(const char *text)
{
	return doc_targets_find(text, "", DOC_RECUR_NONE, t, 16);
}

START_TEST(comparators)
{
	static const struct {
		const char *text;
		enum doc_cmp cmp;
		int written;
	} cases[] = {
	        {"到2022年，培训5000人次以上", DOC_CMP_GTE, 1},
	        {"到2022年，培训不少于50人", DOC_CMP_GTE, 1},
	        {"到2022年，比例不低于20％", DOC_CMP_GTE, 1},
	        {"到2022年，企业达到50家", DOC_CMP_GTE, 1},
	        {"到2022年，规模达5000人", DOC_CMP_GTE, 1},
	        {"到2022年，规模超过10000人次", DOC_CMP_GT, 1},
	        {"到2022年，控制在5%以内", DOC_CMP_LTE, 1},
	        {"到2022年，比例不超过5%", DOC_CMP_LTE, 1},
	        {"到2022年，评定100名首席教学能手", DOC_CMP_GTE, 0},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ck_assert_uint_eq(find(cases[i].text), 1);
		ck_assert_int_eq(t[0].cmp, cases[i].cmp);
		ck_assert_int_eq(t[0].cmp_written, cases[i].written);
	}
}
END_TEST

START_TEST(values_and_measure_words)
{
	static const struct {
		const char *text;
		double value;
		const char *uom;
	} cases[] = {
	        {"到2022年，培训1.5万人次", 15000, "人次"},
	        {"到2022年，投入2亿元以上", 200000000, "元"},
	        {"推动新建一所技工学校", 1, "所"},
	        {"建设两个基地", 2, "个"},
	        {"到2025年，培养十五名大师", 15, "名"},
	        {"到2025年，开展一百二十场", 120, "场"},
	        {"到2025年，建成3家企业", 3, "家"},
	        {"到2025年，完成20项标准", 20, "项"},
	        {"到2025年，改造500亩农田", 500, "亩"},
	        {"到2025年，占65%以上", 65, "%"},
	        {"到2025年，开展200次活动", 200, "次"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ck_assert_msg(find(cases[i].text) == 1, "%s", cases[i].text);
		ck_assert_double_eq(t[0].value, cases[i].value);
		ck_assert_str_eq(t[0].uom, cases[i].uom);
	}
}
END_TEST

START_TEST(deadlines)
{
	static const struct {
		const char *text, *deadline;
	} cases[] = {
	        {"到2022年，建成5个基地", "2022-12-31"},
	        {"2022年年底前建成5个基地", "2022-12-31"},
	        {"2023年6月底前建成5个基地", "2023-06-30"},
	        {"2024年2月前建成5个基地", "2024-02-29"},
	        {"2022年底前建成5个基地", "2022-12-31"},
	        {"到2025年，企业达到50家", "2025-12-31"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ck_assert_uint_eq(find(cases[i].text), 1);
		ck_assert_str_eq(t[0].deadline, cases[i].deadline);
		ck_assert_int_eq(t[0].recur, DOC_RECUR_NONE);
	}
	char d[11];
	ck_assert_int_eq(doc_deadline_parse("从2019年1月1日至12月31日", 31, d), 0);
	ck_assert_int_eq(doc_deadline_parse("2012年起5年内", strlen("2012年起5年内"), d), 0);
	/* a deadline holds for the rest of its sentence, not the next one */
	ck_assert_uint_eq(find("到2022年，建成5个基地，培训100人次。建成3个中心。"), 3);
	ck_assert_str_eq(t[1].deadline, "2022-12-31");
	ck_assert_str_eq(t[2].deadline, "");
	/* the table's deadline column stands in where the text has none */
	ck_assert_uint_eq(doc_targets_find("建成3个中心", "2023-06-30", DOC_RECUR_NONE, t, 16), 1);
	ck_assert_str_eq(t[0].deadline, "2023-06-30");
}
END_TEST

START_TEST(recurrences)
{
	ck_assert_uint_eq(
	        find("全市每年开展各类技能培训15000人次以上，其中技能提升培训占80%以上。"), 2);
	ck_assert_int_eq(t[0].recur, DOC_RECUR_ANNUAL);
	ck_assert_int_eq(t[1].recur, DOC_RECUR_ANNUAL);
	ck_assert_str_eq(t[0].deadline, "");
	ck_assert(t[0].sum);
	ck_assert_uint_eq(find("每两年评选认定10名云浮首席技师"), 1);
	ck_assert_int_eq(t[0].recur, DOC_RECUR_BIENNIAL);
}
END_TEST

START_TEST(not_targets)
{
	static const char *const texts[] = {
	        "推动云浮技师学院实施对标高职院校建设三年行动计划",
	        "联合开设初中起点“3+2”高级技工班和“3+3”预备技师班",
	        "特别是世界500强企业",
	        "第二批“1+X”母婴护理证书试点",
	        "每年评选“云浮十大工匠”",
	        "一次性创业资助",
	        "重点对接七大产业集群",
	        "推动新兴县重组、整合或新建一间综合类技工学校",
	};
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
		ck_assert_msg(find(texts[i]) == 0, "%s", texts[i]);
	/* a grant per person is read, and marked a policy parameter */
	ck_assert_uint_eq(find("每年评选，给予每人2万元一次性补助"), 1);
	ck_assert(t[0].policy);
	ck_assert_uint_eq(find("到2022年评定100名首席教学能手，一次性给予2万元的资助"), 2);
	ck_assert(!t[0].policy);
	ck_assert(t[1].policy);
}
END_TEST

START_TEST(milestones_and_phrases)
{
	const char *text =
	        "到2022年，建成石材产品设计大师工作室、石材机械大师工作室和石材雕刻大师工作室，为"
	        "石材产业培养人才。";
	ck_assert_uint_eq(find(text), 3);
	ck_assert(t[0].milestone && t[2].milestone);
	ck_assert_int_eq(strncmp(text + t[1].phrase, "石材机械大师工作室", t[1].phrase_len), 0);
	const char *m = "调整布局，争取2022年年底前纳入高职院校序列。";
	ck_assert_uint_eq(find(m), 1);
	ck_assert_str_eq(t[0].deadline, "2022-12-31");
	ck_assert_int_eq(
	        strncmp(m + t[0].phrase, "争取2022年年底前纳入高职院校序列", t[0].phrase_len), 0);
	size_t len;
	ck_assert_double_eq(doc_cn_number("两万", &len), 20000);
	ck_assert_double_eq(doc_cn_number("三千零五", &len), 3005);
	ck_assert_double_eq(doc_cn_number("十", &len), 10);
}
END_TEST

Suite *document_target_suite(void)
{
	Suite *s = suite_create("document_target");
	TCase *tc = tcase_create("phrases");
	tcase_add_test(tc, comparators);
	tcase_add_test(tc, values_and_measure_words);
	tcase_add_test(tc, deadlines);
	tcase_add_test(tc, recurrences);
	tcase_add_test(tc, not_targets);
	tcase_add_test(tc, milestones_and_phrases);
	suite_add_tcase(s, tc);
	return s;
}

/* exports_form_xlsx.c — a unit's report form as a workbook of one protected sheet: a row per
 * measure with its targets and their current actuals locked, white cells to fill (status from
 * a drop-down list, summary, problems, next steps, a value per target), and the ids, the unit
 * and the period in hidden, locked columns under a hidden row of column keys, which is what
 * progress_batch_sheet.c reads back. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xlsxwriter.h>

#include "../sheet_layout.h"
#include "exports_form.h"

struct form_formats {
	lxw_format *title, *note, *header, *locked, *fill, *key;
};

static lxw_format *form_format(lxw_workbook *wb, lxw_color_t fill, int unlocked)
{
	lxw_format *f = workbook_add_format(wb);
	format_set_text_wrap(f);
	format_set_align(f, LXW_ALIGN_VERTICAL_TOP);
	format_set_border(f, LXW_BORDER_THIN);
	if (fill != 0)
		format_set_bg_color(f, fill);
	if (unlocked)
		format_set_unlocked(f);
	return f;
}

static void form_formats_add(lxw_workbook *wb, struct form_formats *f)
{
	f->title = workbook_add_format(wb);
	format_set_bold(f->title);
	format_set_font_size(f->title, 14);
	f->note = workbook_add_format(wb);
	format_set_text_wrap(f->note);
	format_set_align(f->note, LXW_ALIGN_VERTICAL_TOP);
	f->header = form_format(wb, 0xD9D9D9, 0);
	format_set_bold(f->header);
	f->locked = form_format(wb, 0xF2F2F2, 0);
	f->fill = form_format(wb, 0, 1);
	format_set_num_format(f->fill, "@"); /* text as typed: 1.50 stays 1.50 */
	f->key = workbook_add_format(wb);
}

/* Widths of the fixed columns, then of a slot's three. */
static const double form_widths[EXPORT_FORM_FIXED_COLS] = {8, 12, 9, 26, 6, 10, 30, 20, 20};
static const double form_slot_widths[EXPORT_FORM_SLOT_COLS] = {8, 24, 9};

static void form_columns(lxw_worksheet *ws, const struct export_form *f)
{
	lxw_row_col_options hidden = {.hidden = 1};
	for (int c = 0; c < EXPORT_FORM_FIXED_COLS; c++)
		worksheet_set_column_opt(ws, (lxw_col_t)c, (lxw_col_t)c, form_widths[c], NULL,
		                         c <= EXPORT_FORM_PERIOD ? &hidden : NULL);
	for (int k = 0; k < f->slots; k++)
		for (int c = 0; c < EXPORT_FORM_SLOT_COLS; c++) {
			lxw_col_t col =
			        (lxw_col_t)(EXPORT_FORM_FIXED_COLS + k * EXPORT_FORM_SLOT_COLS + c);
			worksheet_set_column_opt(ws, col, col, form_slot_widths[c], NULL,
			                         c == 0 ? &hidden : NULL);
		}
}

/* Rows 0 to 3: title, instructions, the hidden keys, the labels. */
static void form_heading(lxw_worksheet *ws, const struct export_form *f,
                         const struct form_formats *fm, lxw_col_t last)
{
	static const char *const labels[EXPORT_FORM_FIXED_COLS] = {
	        "措施ID",           "单位",       "报送期",
	        "工作措施",         "本期已报送", "状态（下拉选择）",
	        "工作进展（必填）", "存在问题",   "下步计划"};
	char text[1024];
	snprintf(text, sizeof(text), "%s %s 进展填报表（报送期 %s 至 %s）",
	         export_form_unit(f, STMT_EXPORT_FORM_UNIT_COL_NAME), f->period, f->period_start,
	         f->period_end);
	worksheet_merge_range(ws, 0, EXPORT_FORM_MEASURE, 0, last, text, fm->title);
	worksheet_set_row(ws, 0, 24, NULL);
	snprintf(
	        text, sizeof(text),
	        "在白色单元格填写：状态从下拉列表选择，工作进展必填，目标的本期值填数字。灰色单元格"
	        "已锁定。没有填写的行不提交；本期已报送的措施不能再报。报送期 %s 固定不变。"
	        "填好后把本文件原样提交（POST /v1/progress/batch）。",
	        f->period);
	worksheet_merge_range(ws, 1, EXPORT_FORM_MEASURE, 1, last, text, fm->note);
	worksheet_set_row(ws, 1, sheet_row_points(3), NULL);
	lxw_row_col_options hidden = {.hidden = 1};
	worksheet_set_row_opt(ws, EXPORT_FORM_KEY_ROW, LXW_DEF_ROW_HEIGHT, NULL, &hidden);
	for (int c = 0; c < EXPORT_FORM_FIXED_COLS; c++) {
		worksheet_write_string(ws, EXPORT_FORM_KEY_ROW, (lxw_col_t)c, export_form_keys[c],
		                       fm->key);
		worksheet_write_string(ws, EXPORT_FORM_KEY_ROW + 1, (lxw_col_t)c, labels[c],
		                       fm->header);
	}
	for (int k = 0; k < f->slots; k++) {
		/* the key and the label of the slot's id, text and value columns */
		static const char *const keys[] = {"target_", "target_text_", "value_"};
		static const char *const names[][2] = {
		        {"目标", "ID"}, {"目标", "（当前实际）"}, {"目标", "本期值"}};
		for (int c = 0; c < EXPORT_FORM_SLOT_COLS; c++) {
			lxw_col_t col =
			        (lxw_col_t)(EXPORT_FORM_FIXED_COLS + k * EXPORT_FORM_SLOT_COLS + c);
			snprintf(text, sizeof(text), "%s%d", keys[c], k + 1);
			worksheet_write_string(ws, EXPORT_FORM_KEY_ROW, col, text, fm->key);
			snprintf(text, sizeof(text), "%s%d%s", names[c][0], k + 1, names[c][1]);
			worksheet_write_string(ws, EXPORT_FORM_KEY_ROW + 1, col, text, fm->header);
		}
	}
	worksheet_set_row(ws, EXPORT_FORM_KEY_ROW + 1, sheet_row_points(2), NULL);
}

/* A target slot's text: the target, its deadline and its current actual. */
static char *form_target_text(const struct export_form *f, const struct export_data *d, int i)
{
	char *target = export_cell(d, i, 5), *deadline = export_cell(d, i, 6);
	char *actual = export_cell(d, i, 7), *text = NULL;
	if (target != NULL && deadline != NULL && actual != NULL &&
	    asprintf(&text, "%s\n完成时限：%s\n当前实际：%s（截至 %s）", target, deadline,
	             actual[0] != '\0' ? actual : "—", f->period_end) < 0)
		text = NULL;
	free(target);
	free(deadline);
	free(actual);
	return text;
}

/* One measure's row; returns the lines its tallest cell takes. */
static int form_row(lxw_worksheet *ws, const struct export_form *f, size_t i, lxw_row_t row,
                    const struct form_formats *fm)
{
	const struct export_form_measure *m = &f->rows[i];
	const struct reports_set *s = &m->d->set;
	lxw_format *fill = m->reported ? fm->locked : fm->fill;
	worksheet_write_number(ws, row, EXPORT_FORM_MEASURE_ID, (double)s->rows[m->row].measure_id,
	                       fm->locked);
	worksheet_write_string(ws, row, EXPORT_FORM_UNIT,
	                       export_form_unit(f, STMT_EXPORT_FORM_UNIT_COL_CODE), fm->locked);
	worksheet_write_string(ws, row, EXPORT_FORM_PERIOD, f->period, fm->locked);
	char *measure = export_cell(m->d, m->row, 1);
	worksheet_write_string(ws, row, EXPORT_FORM_MEASURE, measure != NULL ? measure : "",
	                       fm->locked);
	int lines = sheet_text_lines(measure, form_widths[EXPORT_FORM_MEASURE]);
	free(measure);
	worksheet_write_string(ws, row, EXPORT_FORM_REPORTED, m->reported ? "是" : "否",
	                       fm->locked);
	for (int c = EXPORT_FORM_STATUS; c < EXPORT_FORM_FIXED_COLS; c++)
		worksheet_write_blank(ws, row, (lxw_col_t)c, fill);
	int k = 0;
	for (int j = m->row; j < s->n && s->rows[j].measure_id == s->rows[m->row].measure_id; j++) {
		if (!s->rows[j].has_target)
			continue;
		lxw_col_t col = (lxw_col_t)(EXPORT_FORM_FIXED_COLS + k++ * EXPORT_FORM_SLOT_COLS);
		worksheet_write_number(ws, row, col, (double)s->rows[j].target_id, fm->locked);
		char *text = form_target_text(f, m->d, j);
		worksheet_write_string(ws, row, col + 1, text != NULL ? text : "", fm->locked);
		int l = sheet_text_lines(text, form_slot_widths[1]);
		lines = l > lines ? l : lines;
		free(text);
		worksheet_write_blank(ws, row, col + 2, fill);
	}
	for (; k < f->slots; k++)
		for (int c = 0; c < EXPORT_FORM_SLOT_COLS; c++)
			worksheet_write_blank(
			        ws, row,
			        (lxw_col_t)(EXPORT_FORM_FIXED_COLS + k * EXPORT_FORM_SLOT_COLS + c),
			        fm->locked);
	return lines < 4 ? 4 : lines; /* room to write in */
}

/* The drop-down on the status cells, the protection, freezing and printing. */
static void form_finish(lxw_worksheet *ws, const struct export_form *f, lxw_col_t last)
{
	if (f->nrows > 0) {
		lxw_data_validation v;
		memset(&v, 0, sizeof(v));
		v.validate = LXW_VALIDATION_TYPE_LIST;
		v.value_list = (char **)export_form_status_labels;
		v.error_title = "状态";
		v.error_message = "请从下拉列表选择：未开始、正常推进、存在风险、滞后、已完成";
		(void)worksheet_data_validation_range(
		        ws, EXPORT_FORM_FIRST_ROW, EXPORT_FORM_STATUS,
		        (lxw_row_t)(EXPORT_FORM_FIRST_ROW + f->nrows - 1), EXPORT_FORM_STATUS, &v);
	}
	lxw_protection p;
	memset(&p, 0, sizeof(p));
	p.format_columns = 1;
	p.format_rows = 1;
	worksheet_protect(ws, NULL, &p);
	worksheet_freeze_panes(ws, EXPORT_FORM_FIRST_ROW, EXPORT_FORM_MEASURE + 1);
	worksheet_set_landscape(ws);
	worksheet_set_paper(ws, 9); /* A4 */
	worksheet_fit_to_pages(ws, 1, 0);
	worksheet_repeat_rows(ws, EXPORT_FORM_KEY_ROW + 1, EXPORT_FORM_KEY_ROW + 1);
	(void)worksheet_print_area(ws, 0, EXPORT_FORM_MEASURE,
	                           (lxw_row_t)(EXPORT_FORM_FIRST_ROW + f->nrows), last);
	(void)worksheet_set_footer(ws, "&C第 &P 页，共 &N 页");
}

int export_form_write(const struct export_form *f, const char *path)
{
	lxw_workbook *wb = workbook_new(path);
	if (wb == NULL)
		return -1;
	struct form_formats fm;
	form_formats_add(wb, &fm);
	lxw_worksheet *ws = workbook_add_worksheet(wb, "填报");
	lxw_col_t last = (lxw_col_t)(EXPORT_FORM_FIXED_COLS + f->slots * EXPORT_FORM_SLOT_COLS - 1);
	form_columns(ws, f);
	form_heading(ws, f, &fm, last);
	for (size_t i = 0; i < f->nrows; i++) {
		lxw_row_t row = (lxw_row_t)(EXPORT_FORM_FIRST_ROW + i);
		worksheet_set_row(ws, row, sheet_row_points(form_row(ws, f, i, row, &fm)), NULL);
	}
	form_finish(ws, f, last);
	return workbook_close(wb) == LXW_NO_ERROR ? 0 : -1;
}

/* XLSX export without a library: an Office Open XML workbook of one sheet
 * with inline strings, packed as a ZIP of stored (uncompressed) entries.
 * Exports are a few thousand rows, so compression buys little, and stored
 * entries need nothing but CRC-32. Readable by Excel, WPS and LibreOffice. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mod/org/org_internal.h"

static uint32_t crc32_of(const char *p, size_t n)
{
    uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; i++) {
        c ^= (unsigned char)p[i];
        for (int k = 0; k < 8; k++)
            c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
    }
    return ~c;
}

static void le(tb_buf *b, uint32_t v, int bytes)
{
    char o[4];
    for (int i = 0; i < bytes; i++)
        o[i] = (char)((v >> (8 * i)) & 0xFF);
    buf_put(b, o, (size_t)bytes);
}

typedef struct {
    const char *name;
    tb_buf data;
    uint32_t crc, offset;
} entry;

/* Local header + data of one stored entry (no data descriptor; DOS time 1980-01-01). */
static void local_entry(tb_buf *zip, entry *e)
{
    e->crc = crc32_of(e->data.p, e->data.n);
    e->offset = (uint32_t)zip->n;
    le(zip, 0x04034b50, 4);
    le(zip, 20, 2);     /* version needed */
    le(zip, 0x0800, 2); /* UTF-8 names */
    le(zip, 0, 2);      /* stored */
    le(zip, 0, 2);
    le(zip, 0x21, 2);
    le(zip, e->crc, 4);
    le(zip, (uint32_t)e->data.n, 4);
    le(zip, (uint32_t)e->data.n, 4);
    le(zip, (uint32_t)strlen(e->name), 2);
    le(zip, 0, 2);
    buf_put(zip, e->name, strlen(e->name));
    buf_put(zip, e->data.p, e->data.n);
}

static void central_entry(tb_buf *zip, const entry *e)
{
    le(zip, 0x02014b50, 4);
    le(zip, 20, 2);
    le(zip, 20, 2);
    le(zip, 0x0800, 2);
    le(zip, 0, 2);
    le(zip, 0, 2);
    le(zip, 0x21, 2);
    le(zip, e->crc, 4);
    le(zip, (uint32_t)e->data.n, 4);
    le(zip, (uint32_t)e->data.n, 4);
    le(zip, (uint32_t)strlen(e->name), 2);
    le(zip, 0, 2); /* extra */
    le(zip, 0, 2); /* comment */
    le(zip, 0, 2); /* disk */
    le(zip, 0, 2); /* internal attributes */
    le(zip, 0, 4); /* external attributes */
    le(zip, e->offset, 4);
    buf_put(zip, e->name, strlen(e->name));
}

static void put_s(tb_buf *b, const char *s) { buf_put(b, s, strlen(s)); }

/* Text for XML: the five entities escaped, control characters (invalid in XML 1.0) dropped. */
static void put_xml_text(tb_buf *b, const char *s)
{
    for (; s && *s; s++) {
        const char *rep = *s == '&' ? "&amp;" : *s == '<' ? "&lt;" : *s == '>' ? "&gt;" : *s == '"' ? "&quot;" : NULL;
        if (rep)
            put_s(b, rep);
        else if ((unsigned char)*s >= 0x20 || *s == '\t' || *s == '\n')
            buf_put(b, s, 1);
    }
}

#define NS_MAIN "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
#define NS_REL "http://schemas.openxmlformats.org/package/2006/relationships"
#define NS_DOCREL "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
#define XML_HEAD "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"

static void sheet_xml(tb_buf *b, const char *const *cells, int ncols, int nrows)
{
    put_s(b, XML_HEAD "<worksheet xmlns=\"" NS_MAIN "\"><sheetData>");
    for (int r = 0; r < nrows; r++) {
        put_s(b, "<row>");
        for (int c = 0; c < ncols; c++) {
            put_s(b, "<c t=\"inlineStr\"><is><t xml:space=\"preserve\">");
            put_xml_text(b, cells[r * ncols + c]);
            put_s(b, "</t></is></c>");
        }
        put_s(b, "</row>");
    }
    put_s(b, "</sheetData></worksheet>");
}

void xlsx_build(tb_buf *out, const char *sheet, const char *const *cells, int ncols, int nrows)
{
    entry e[5] = {{"[Content_Types].xml"}, {"_rels/.rels"}, {"xl/workbook.xml"}, {"xl/_rels/workbook.xml.rels"},
                  {"xl/worksheets/sheet1.xml"}};
    put_s(&e[0].data, XML_HEAD "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
                               "<Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package."
                               "relationships+xml\"/><Default Extension=\"xml\" ContentType=\"application/xml\"/>"
                               "<Override PartName=\"/xl/workbook.xml\" ContentType=\"application/vnd."
                               "openxmlformats-officedocument.spreadsheetml.sheet.main+xml\"/>"
                               "<Override PartName=\"/xl/worksheets/sheet1.xml\" ContentType=\"application/vnd."
                               "openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/></Types>");
    put_s(&e[1].data, XML_HEAD "<Relationships xmlns=\"" NS_REL "\"><Relationship Id=\"rId1\" Type=\"" NS_DOCREL
                               "/officeDocument\" Target=\"xl/workbook.xml\"/></Relationships>");
    put_s(&e[2].data, XML_HEAD "<workbook xmlns=\"" NS_MAIN "\" xmlns:r=\"" NS_DOCREL "\"><sheets><sheet name=\"");
    put_xml_text(&e[2].data, sheet);
    put_s(&e[2].data, "\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>");
    put_s(&e[3].data, XML_HEAD "<Relationships xmlns=\"" NS_REL "\"><Relationship Id=\"rId1\" Type=\"" NS_DOCREL
                               "/worksheet\" Target=\"worksheets/sheet1.xml\"/></Relationships>");
    sheet_xml(&e[4].data, cells, ncols, nrows);
    for (int i = 0; i < 5; i++)
        local_entry(out, &e[i]);
    uint32_t cd = (uint32_t)out->n;
    for (int i = 0; i < 5; i++)
        central_entry(out, &e[i]);
    uint32_t cd_len = (uint32_t)out->n - cd;
    le(out, 0x06054b50, 4);
    le(out, 0, 2);
    le(out, 0, 2);
    le(out, 5, 2);
    le(out, 5, 2);
    le(out, cd_len, 4);
    le(out, cd, 4);
    le(out, 0, 2);
    for (int i = 0; i < 5; i++)
        free(e[i].data.p);
}

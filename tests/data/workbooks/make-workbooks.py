#!/usr/bin/env python3
"""Writes the hand-made workbooks the tests read (python3's zipfile, no office suite needed):
  handmade.xlsx  a hidden first sheet, then "Users": inline strings, shared strings (one with
                 a phonetic run), gaps in the cell references, a 12-digit id stored as a number
                 and one stored with an exponent, a zero-padded id typed as text, dates by a
                 built-in and a custom date format, a boolean, a formula's cached value, an empty
                 row, a row of cells with only a style
  bomb.xlsx      a sheet that inflates past 200 times its compressed size
  laughs.xlsx    a sheet whose XML declares entities that expand a billion-fold
  chart.xlsx     a chart sheet first, then a sheet of cells
  handmade.ods   a sheet hidden by its table style, "Notes", then "Users" (repeated rows and
                 cells, a note on a cell, a covered cell, a date and a float by their values)
  nested.ods     a table inside a cell
The tests cut handmade.xlsx short themselves (a truncated archive)."""
import zipfile

CT = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
      '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
      '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
      '<Default Extension="xml" ContentType="application/xml"/></Types>')
RELS = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
        '</Relationships>')
NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'


def workbook(sheets):
    items = ''.join(f'<sheet name="{n}" sheetId="{i + 1}" {"state=" + chr(34) + s + chr(34) if s else ""} r:id="rId{i + 1}"/>'
                    for i, (n, s) in enumerate(sheets))
    return f'<?xml version="1.0"?><workbook {NS}><workbookPr/><sheets>{items}</sheets></workbook>'


def workbook_rels(count, charts=()):
    kind = lambda i: 'chartsheet' if i in charts else 'worksheet'
    items = ''.join(f'<Relationship Id="rId{i + 1}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/{kind(i)}" '
                    f'Target="{kind(i)}s/sheet{i + 1}.xml"/>' for i in range(count))
    return f'<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{items}</Relationships>'


STYLES = (f'<?xml version="1.0"?><styleSheet {NS}><numFmts count="2">'
          '<numFmt numFmtId="164" formatCode="yyyy\\-mm\\-dd\\ hh:mm"/><numFmt numFmtId="165" formatCode="&quot;id &quot;0"/></numFmts>'
          '<cellXfs count="4"><xf numFmtId="0"/><xf numFmtId="14"/><xf numFmtId="164"/><xf numFmtId="165"/></cellXfs></styleSheet>')
STRINGS = (f'<?xml version="1.0"?><sst {NS} count="4" uniqueCount="4">'
           '<si><t>uid</t></si><si><t>name</t></si><si><t>000123</t></si>'
           '<si><r><t>Ana </t></r><r><t>López</t></r><rPh sb="0" eb="1"><t>アナ</t></rPh></si></sst>')
USERS = (f'<?xml version="1.0"?><worksheet {NS}><sheetData>'
         '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="inlineStr"><is><t>createdAt</t></is></c>'
         '<c r="E1" t="inlineStr"><is><t>metadata.active</t></is></c><c r="F1" t="inlineStr"><is><t>metadata.note</t></is></c></row>'
         '<row r="2"><c r="A2" t="s"><v>2</v></c><c r="B2" t="s"><v>3</v></c><c r="C2" s="1"><v>44259</v></c>'
         '<c r="E2" t="b"><v>1</v></c><c r="F2" t="str"><f>CONCAT("a","b")</f><v>ab</v></c></row>'
         '<row r="3"><c r="A3"><v>123456789012</v></c><c r="B3" t="inlineStr"><is><t>Twelve Digits</t></is></c>'
         '<c r="C3" s="2"><v>44259.5</v></c></row>'
         '<row r="5" ht="20" customHeight="1"><c r="A5" s="3"/><c r="B5" s="3"/></row>'
         '<row r="6"><c r="A6"><v>1.23456789012E+11</v></c><c r="B6" t="inlineStr"><is><t>Exponent</t></is></c>'
         '<c r="F6" t="inlineStr"><is><t>gap before</t></is></c></row>'
         '<row><c t="inlineStr"><is><t>no_refs</t></is></c><c t="inlineStr"><is><t>No Refs</t></is></c></row>'
         '</sheetData></worksheet>')
HIDDEN = f'<?xml version="1.0"?><worksheet {NS}><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>lookup</t></is></c></row></sheetData></worksheet>'


def write(path, sheets, parts, method=zipfile.ZIP_DEFLATED, charts=()):
    with zipfile.ZipFile(path, 'w', method) as z:
        z.writestr('[Content_Types].xml', CT)
        z.writestr('_rels/.rels', RELS)
        z.writestr('xl/workbook.xml', workbook(sheets))
        z.writestr('xl/_rels/workbook.xml.rels', workbook_rels(len(sheets), charts))
        for name, text in parts.items():
            z.writestr(name, text)


write('handmade.xlsx', [('Lookup', 'hidden'), ('Users', None)],
      {'xl/styles.xml': STYLES, 'xl/sharedStrings.xml': STRINGS,
       'xl/worksheets/sheet1.xml': HIDDEN, 'xl/worksheets/sheet2.xml': USERS})
# chart.xlsx: a chart sheet first (a chart where the cells would be), then "Users"
write('chart.xlsx', [('Chart1', None), ('Users', None)],
      {'xl/chartsheets/sheet1.xml': f'<?xml version="1.0"?><chartsheet {NS}><drawing r:id="rId1"/></chartsheet>',
       'xl/worksheets/sheet2.xml': HIDDEN}, charts=(0,))
bomb = f'<?xml version="1.0"?><worksheet {NS}><sheetData>' + ' ' * (64 << 20) + '</sheetData></worksheet>'
write('bomb.xlsx', [('Users', None)], {'xl/worksheets/sheet1.xml': bomb})
laughs = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
          + ''.join(f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10))
          + f']><worksheet {NS}><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row></sheetData></worksheet>')
write('laughs.xlsx', [('Users', None)], {'xl/worksheets/sheet1.xml': laughs})

# handmade.ods: the OpenDocument forms of the same cases: a first sheet, then "Users" with repeated
# cells and rows, a covered (merged) cell, a note on a cell, runs of spaces, two paragraphs in a cell,
# a 12-digit number by office:value, a date, a boolean, and the sheet's height of empty rows
ODS_NS = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
          'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
          'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
          'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0"')


def cell(text=None, **attrs):
    a = ''.join(f' {k.replace("_", ":", 1).replace("_", "-")}="{v}"' for k, v in attrs.items())
    return f'<table:table-cell{a}>' + (f'<text:p>{text}</text:p>' if text is not None else '') + '</table:table-cell>'


ods_rows = [
    cell('uid') + cell('name') + cell('createdAt') + cell('metadata.active') + cell('metadata.note'),
    cell('000123', office_value_type='string') + cell('Ana López') +
    cell('04/03/21', office_value_type='date', office_date_value='2021-03-04') +
    cell('TRUE', office_value_type='boolean', office_boolean_value='true') +
    '<table:table-cell><office:annotation><text:p>a note</text:p></office:annotation><text:p>one</text:p><text:p>two<text:s text:c="3"/>spaced</text:p></table:table-cell>',
    cell('1.23457E+11', office_value_type='float', office_value='123456789012') + cell('Twelve Digits') +
    '<table:covered-table-cell/>' + cell(table_number_columns_repeated='1000'),
]
ods_table = ('<table:table table:name="Users">'
             + ''.join(f'<table:table-row>{r}</table:table-row>' for r in ods_rows)
             + '<table:table-row table:number-rows-repeated="2">' + cell('twin') + cell('Twin') + '</table:table-row>'
             + '<table:table-row table:number-rows-repeated="1048570">' + cell(table_number_columns_repeated='1024') + '</table:table-row>'
             + '</table:table>')
content = (f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {ODS_NS}><office:automatic-styles>'
           '<style:style style:name="ta1" style:family="table"><style:table-properties table:display="true"/></style:style>'
           '<style:style style:name="ta2" style:family="table"><style:table-properties table:display="false"/></style:style>'
           '</office:automatic-styles><office:body><office:spreadsheet>'
           '<table:table table:name="Secret" table:style-name="ta2"><table:table-row>' + cell('secret') + '</table:table-row></table:table>'
           '<table:table table:name="Notes" table:style-name="ta1"><table:table-row>' + cell('notes') + '</table:table-row></table:table>'
           + ods_table + '</office:spreadsheet></office:body></office:document-content>')
with zipfile.ZipFile('handmade.ods', 'w') as z:
    z.writestr(zipfile.ZipInfo('mimetype'), 'application/vnd.oasis.opendocument.spreadsheet')  # first, stored
    z.writestr('content.xml', content, zipfile.ZIP_DEFLATED)

# damaged sheets, each refused at its row rather than read as something else
def damaged(path, rows):
    sheet = f'<?xml version="1.0"?><worksheet {NS}><sheetData>' + rows + '</sheetData></worksheet>'
    write(path, [('Users', None)], {'xl/sharedStrings.xml': STRINGS, 'xl/worksheets/sheet1.xml': sheet})


HEAD = '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>'
damaged('damaged-string.xlsx', HEAD + '<row r="2"><c r="A2" t="s"><v>2</v></c><c r="B2" t="s"><v>7</v></c></row>')
damaged('damaged-twice.xlsx', HEAD + '<row r="2"><c r="A2" t="s"><v>2</v></c><c r="A2" t="s"><v>3</v></c></row>')
damaged('damaged-ref.xlsx', HEAD + '<row r="2"><c r="A2" t="s"><v>2</v></c><c r="ZZZZZ2" t="s"><v>3</v></c></row>')
damaged('damaged-order.xlsx', HEAD + '<row r="3"><c r="A3" t="s"><v>2</v></c></row><row r="2"><c r="A2" t="s"><v>3</v></c></row>')

# nested.ods: a table inside a cell (ODF allows it): its text is not the sheet's, nor is it a sheet
nested_table = ('<table:table-cell><table:table table:name="inner"><table:table-row>' + cell('inner')
                + '</table:table-row></table:table><text:p>outer</text:p></table:table-cell>')
nested = (f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {ODS_NS}><office:body><office:spreadsheet>'
          '<table:table table:name="Users">'
          '<table:table-row>' + cell('uid') + cell('name') + '</table:table-row>'
          '<table:table-row>' + cell('a') + nested_table + '</table:table-row>'
          '<table:table-row>' + cell('b') + cell('Bee') + '</table:table-row>'
          '</table:table></office:spreadsheet></office:body></office:document-content>')
with zipfile.ZipFile('nested.ods', 'w') as z:
    z.writestr(zipfile.ZipInfo('mimetype'), 'application/vnd.oasis.opendocument.spreadsheet')
    z.writestr('content.xml', nested, zipfile.ZIP_DEFLATED)

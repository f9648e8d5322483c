# Run by tools/cgear/CMakeLists.txt (cmake -P) to turn the project templates
# of `cgear new` into a C file, so the tool carries them and never depends
# on an install tree at run time.
#   -DTEMPLATE_DIR=dir -DOUTPUT=file.c -DTEMPLATES="src=dest|src=dest|..."
# `dest` is the path in the new project, before {{name}} substitution.
string(REPLACE "|" ";" pairs "${TEMPLATES}")
set(arrays "")
set(table "")
set(i 0)
foreach(pair IN LISTS pairs)
  string(FIND "${pair}" "=" eq)
  string(SUBSTRING "${pair}" 0 ${eq} src)
  math(EXPR eq1 "${eq} + 1")
  string(SUBSTRING "${pair}" ${eq1} -1 dest)
  file(READ ${TEMPLATE_DIR}/${src} hex HEX)
  string(LENGTH "${hex}" hexlen)
  math(EXPR len "${hexlen} / 2")
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
  string(APPEND arrays "/* ${src} */\nstatic const char t${i}[] = {\n    ${bytes}0x00};\n")
  string(APPEND table "    {\"${dest}\", t${i}, ${len}u},\n")
  math(EXPR i "${i} + 1")
endforeach()
file(WRITE ${OUTPUT} "/* Generated from tools/cgear/templates by embed_templates.cmake. */
#include \"new_cmd.h\"

${arrays}
const struct cgt_template cgt_templates[] = {
${table}};
const size_t cgt_template_count = ${i};
")

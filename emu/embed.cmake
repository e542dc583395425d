# cmake -DIN=<file> -DOUT=<header> -DNAME=<symbol> -P embed.cmake
# Writes the bytes of IN as a C array NAME[] with NAME_len.
file(READ ${IN} hex HEX)
string(LENGTH "${hex}" n)
math(EXPR len "${n} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," body "${hex}")
string(REGEX REPLACE "((0x..,){16})" "\\1\n" body "${body}")
file(WRITE ${OUT} "/* generated from ${IN} */\n#include <stdint.h>\nstatic const uint8_t ${NAME}[] = {\n${body}\n};\nstatic const uint32_t ${NAME}_len = ${len};\n")

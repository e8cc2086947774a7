# SPDX-License-Identifier: MIT
# Duktape, the JavaScript engine of transformation scripts
# (src/transform/script.c, the only file that includes duktape.h).
#
# Debian's libduktape.so is built without the execution-timeout hook, so
# we compile the amalgamated source that the duktape-dev package ships
# (/usr/share/duktape) with a duk_config.h patched to turn the hook on:
# DUK_USE_INTERRUPT_COUNTER, and DUK_USE_EXEC_TIMEOUT_CHECK calling
# ed_duk_timeout(heap udata), which script.c defines. The result is a
# static library, duktape_ed, built at -O2 with its warnings off, linked
# into edcore.
set(ED_DUKTAPE_DIR /usr/share/duktape CACHE PATH
    "Directory holding Duktape's amalgamated source (Debian: duktape-dev)")
foreach(f duktape.c duktape.h duk_config.h)
  if(NOT EXISTS ${ED_DUKTAPE_DIR}/${f})
    message(FATAL_ERROR "Duktape source ${ED_DUKTAPE_DIR}/${f} not found: "
      "install the Debian package duktape-dev (apt-get install duktape-dev, "
      "or make deps), or point ED_DUKTAPE_DIR at Duktape 2.7's src/")
  endif()
endforeach()

set(ED_DUKTAPE_OUT ${CMAKE_BINARY_DIR}/duktape)
configure_file(${ED_DUKTAPE_DIR}/duktape.c ${ED_DUKTAPE_OUT}/duktape.c COPYONLY)
configure_file(${ED_DUKTAPE_DIR}/duktape.h ${ED_DUKTAPE_OUT}/duktape.h COPYONLY)

file(READ ${ED_DUKTAPE_DIR}/duk_config.h ED_DUK_CFG)
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS
  ${ED_DUKTAPE_DIR}/duk_config.h)
set(ED_DUK_FROM_1 "#undef DUK_USE_INTERRUPT_COUNTER\n")
set(ED_DUK_TO_1 "#define DUK_USE_INTERRUPT_COUNTER\n")
set(ED_DUK_FROM_2 "#undef DUK_USE_EXEC_TIMEOUT_CHECK\n")
set(ED_DUK_TO_2 "#define DUK_USE_EXEC_TIMEOUT_CHECK(udata) ed_duk_timeout(udata)\n")
set(ED_DUK_FROM_3 "#endif  /* DUK_CONFIG_H_INCLUDED */")
set(ED_DUK_TO_3 "/* elementsd: the execution-timeout hook (src/transform/script.c) */
extern duk_bool_t ed_duk_timeout(void *udata);

#endif  /* DUK_CONFIG_H_INCLUDED */")
foreach(i 1 2 3)
  string(FIND "${ED_DUK_CFG}" "${ED_DUK_FROM_${i}}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "${ED_DUKTAPE_DIR}/duk_config.h: cannot patch it (no "
      "\"${ED_DUK_FROM_${i}}\"): expected Duktape 2.7 as Debian's duktape-dev "
      "ships it")
  endif()
  string(REPLACE "${ED_DUK_FROM_${i}}" "${ED_DUK_TO_${i}}" ED_DUK_CFG "${ED_DUK_CFG}")
endforeach()
# Written only when it changes, so a re-configure does not rebuild Duktape.
file(WRITE ${ED_DUKTAPE_OUT}/duk_config.h.tmp "${ED_DUK_CFG}")
configure_file(${ED_DUKTAPE_OUT}/duk_config.h.tmp ${ED_DUKTAPE_OUT}/duk_config.h COPYONLY)

add_library(duktape_ed STATIC ${ED_DUKTAPE_OUT}/duktape.c)
target_include_directories(duktape_ed PUBLIC ${ED_DUKTAPE_OUT})
# Third-party code: no warnings, always optimised; no UBSan (its own
# idioms), AddressSanitizer still applies when the tree has it.
target_compile_options(duktape_ed PRIVATE -w -O2 -fno-sanitize=undefined)
target_link_libraries(duktape_ed PUBLIC m)

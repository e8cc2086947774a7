# ed_embed(OUTPUT out.c SYMBOL name FILES a b ...): compile files into the
# binary as `const struct ed_embed name[]` (NULL-terminated), regenerated
# whenever an input changes. Used for element definitions, migrations and
# console assets, so the binary needs no files at run time.
function(ed_embed)
  cmake_parse_arguments(E "" "OUTPUT;SYMBOL;BASE" "FILES" ${ARGN})
  string(REPLACE ";" "|" files_arg "${E_FILES}")
  add_custom_command(
    OUTPUT ${E_OUTPUT}
    COMMAND ${CMAKE_COMMAND} -DOUT=${E_OUTPUT} -DSYMBOL=${E_SYMBOL}
            -DBASE=${E_BASE} "-DFILES=${files_arg}"
            -P ${CMAKE_SOURCE_DIR}/cmake/embed_run.cmake
    DEPENDS ${E_FILES} ${CMAKE_SOURCE_DIR}/cmake/embed_run.cmake
    COMMENT "Embedding ${E_SYMBOL}" VERBATIM)
endfunction()

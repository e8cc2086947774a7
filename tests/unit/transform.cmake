# SPDX-License-Identifier: MIT
# Transformation library unit tests (transform/vpath.c, doc.c, map.c,
# stream.c, datefmt.c); included from tests/unit/CMakeLists.txt. Also the
# mapping micro-benchmark, bench_transform_map: built only on request
# (cmake --build build --target bench_transform_map), never run by CTest.
ed_unit_test(test_transform_vpath ${CMAKE_CURRENT_LIST_DIR}/transform/test_transform_vpath.c)
ed_unit_test(test_transform_doc ${CMAKE_CURRENT_LIST_DIR}/transform/test_transform_doc.c)
ed_unit_test(test_transform_map ${CMAKE_CURRENT_LIST_DIR}/transform/test_transform_map.c)
ed_unit_test(test_transform_stream ${CMAKE_CURRENT_LIST_DIR}/transform/test_transform_stream.c)

ed_require_file(${CMAKE_SOURCE_DIR}/bench/transform_map.c "bench_transform_map")
add_executable(bench_transform_map EXCLUDE_FROM_ALL ${CMAKE_SOURCE_DIR}/bench/transform_map.c)
target_link_libraries(bench_transform_map PRIVATE edcore)
target_include_directories(bench_transform_map PRIVATE ${CMAKE_SOURCE_DIR}/src)
target_compile_options(bench_transform_map PRIVATE ${ED_WARNINGS})

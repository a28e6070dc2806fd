# SPDX-FileCopyrightText: 2026 The Blanc authors
# SPDX-License-Identifier: AGPL-3.0-or-later
# Man pages (scripts/gen-man.py): blanc(1) and blanc-CMD(1) from the --help
# texts of docs/CLI.md, libblanc(3) from man/libblanc.3.scd and blanc.h;
# scdoc renders them, dated SOURCE_DATE_EPOCH (the commit's time unless set).
# The time every generated date is (man pages, the .deb changelog): the
# commit's, unless SOURCE_DATE_EPOCH says otherwise.
if(DEFINED ENV{SOURCE_DATE_EPOCH})
  set(BLANC_SOURCE_DATE_EPOCH $ENV{SOURCE_DATE_EPOCH})
else()
  execute_process(COMMAND git log -1 --format=%ct WORKING_DIRECTORY ${CMAKE_SOURCE_DIR}
                  OUTPUT_VARIABLE BLANC_SOURCE_DATE_EPOCH OUTPUT_STRIP_TRAILING_WHITESPACE
                  ERROR_QUIET)
  if(NOT BLANC_SOURCE_DATE_EPOCH)
    set(BLANC_SOURCE_DATE_EPOCH 0)
  endif()
endif()
option(BLANC_MAN "Build and install the man pages (needs scdoc, python3)" ON)
if(NOT BLANC_MAN)
  return()
endif()
find_program(SCDOC scdoc REQUIRED)
find_package(Python3 REQUIRED COMPONENTS Interpreter)
set(BLANC_GEN_MAN ${CMAKE_SOURCE_DIR}/scripts/gen-man.py)
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/docs/CLI.md)
execute_process(COMMAND ${Python3_EXECUTABLE} ${BLANC_GEN_MAN} --list
                OUTPUT_VARIABLE BLANC_MAN_PAGES OUTPUT_STRIP_TRAILING_WHITESPACE
                COMMAND_ERROR_IS_FATAL ANY)
string(REPLACE "\n" ";" BLANC_MAN_PAGES "${BLANC_MAN_PAGES}")
set(BLANC_MAN_OUT)
foreach(p ${BLANC_MAN_PAGES})
  list(APPEND BLANC_MAN_OUT ${CMAKE_BINARY_DIR}/man/${p}.gz)
endforeach()
add_custom_command(OUTPUT ${BLANC_MAN_OUT}
  COMMAND ${Python3_EXECUTABLE} ${BLANC_GEN_MAN} --out ${CMAKE_BINARY_DIR}/man
          --epoch ${BLANC_SOURCE_DATE_EPOCH} --scdoc ${SCDOC}
  DEPENDS ${BLANC_GEN_MAN} ${CMAKE_SOURCE_DIR}/docs/CLI.md ${CMAKE_SOURCE_DIR}/include/blanc.h
          ${CMAKE_SOURCE_DIR}/man/libblanc.3.scd
  COMMENT "Generating man pages")
add_custom_target(man ALL DEPENDS ${BLANC_MAN_OUT})
foreach(p ${BLANC_MAN_PAGES})
  string(REGEX MATCH "[0-9]$" section ${p})
  if(section STREQUAL "3")
    set(component dev)
  else()
    set(component cli)
  endif()
  install(FILES ${CMAKE_BINARY_DIR}/man/${p}.gz
          DESTINATION ${CMAKE_INSTALL_MANDIR}/man${section} COMPONENT ${component})
endforeach()

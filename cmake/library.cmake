# SPDX-FileCopyrightText: 2026 The Blanc authors
# SPDX-License-Identifier: AGPL-3.0-or-later
# The two libraries users link, both made of the blanc_obj objects
# (position-independent, hidden visibility; include/blanc.h marks its
# declarations visible):
#   blanc_shared  libblanc.so.0 -> libblanc.so.MAJOR.MINOR.PATCH, exporting
#                 only the blanc_* names of include/blanc.h
#   blanc_static  the installed libblanc.a: one relocatable object (ld -r) whose
#                 hidden symbols objcopy makes local, so no internal name
#                 (order_add, snap_*, blanc__*) can collide with a user's.
# tests/symbols_test.py checks both with nm.

add_library(blanc_shared SHARED $<TARGET_OBJECTS:blanc_obj>)
set_target_properties(blanc_shared PROPERTIES
  OUTPUT_NAME blanc
  VERSION ${PROJECT_VERSION}
  SOVERSION ${PROJECT_VERSION_MAJOR})
target_include_directories(blanc_shared INTERFACE ${CMAKE_SOURCE_DIR}/include)
target_link_libraries(blanc_shared PRIVATE ${BLANC_PRIVATE_DEPS})
target_link_options(blanc_shared PRIVATE -Wl,--as-needed -Wl,-z,relro -Wl,-z,now)
if(NOT BLANC_SANITIZE AND NOT BLANC_FUZZ)
  # Every symbol resolved at build time (sanitizer runtimes come with the program).
  target_link_options(blanc_shared PRIVATE -Wl,--no-undefined)
endif()

set(BLANC_ALL_O ${CMAKE_BINARY_DIR}/blanc-all.o)
add_custom_command(OUTPUT ${BLANC_ALL_O}
  COMMAND ${CMAKE_LINKER} -r -o ${BLANC_ALL_O} $<TARGET_OBJECTS:blanc_obj>
  COMMAND ${CMAKE_OBJCOPY} --localize-hidden ${BLANC_ALL_O}
  DEPENDS blanc_obj $<TARGET_OBJECTS:blanc_obj>
  COMMAND_EXPAND_LISTS
  COMMENT "Linking blanc-all.o (internal symbols local)")
set_source_files_properties(${BLANC_ALL_O} PROPERTIES EXTERNAL_OBJECT ON GENERATED ON)
add_library(blanc_static STATIC ${BLANC_ALL_O})
set_target_properties(blanc_static PROPERTIES OUTPUT_NAME blanc LINKER_LANGUAGE C)

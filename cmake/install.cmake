# SPDX-FileCopyrightText: 2026 The Blanc authors
# SPDX-License-Identifier: AGPL-3.0-or-later
# cmake --install (and make install PREFIX=...): the CLI, libblanc.so.0 and
# libblanc.a, include/blanc.h, blanc.pc, the CMake package (find_package(blanc)
# -> blanc::blanc, blanc::blanc_static), the man pages and the docs.
# Components are the .deb packages of cmake/package.cmake:
#   cli -> blanc, lib -> libblanc0, dev -> libblanc-dev.
include(GNUInstallDirs)
# Folders created by the install are 0755 whatever the umask (the .deb's bytes
# must not depend on it: scripts/reproduce.sh).
set(CMAKE_INSTALL_DEFAULT_DIRECTORY_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE
    GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)
include(CMakePackageConfigHelpers)

install(TARGETS blanc_cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT cli)
install(TARGETS blanc_shared
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT lib NAMELINK_COMPONENT dev)
install(TARGETS blanc_static ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT dev)
install(FILES ${CMAKE_SOURCE_DIR}/include/blanc.h
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} COMPONENT dev)

# blanc.pc names the prefix it is installed under, also when that is given at
# install time (cmake --install --prefix, make install PREFIX=...), so it is
# written by the install step. libpcap is in Libs.private rather than
# Requires.private: `pkg-config --static` would expand its own static closure
# (dbus, systemd) that linking libblanc.a against a shared libpcap never needs.
set(BLANC_PC_PREFIX "@BLANC_PC_PREFIX@")
configure_file(${CMAKE_SOURCE_DIR}/cmake/blanc.pc.in ${CMAKE_BINARY_DIR}/blanc.pc.in @ONLY)
install(CODE "
  set(BLANC_PC_PREFIX \"\${CMAKE_INSTALL_PREFIX}\")
  configure_file(\"${CMAKE_BINARY_DIR}/blanc.pc.in\" \"${CMAKE_BINARY_DIR}/pc/blanc.pc\" @ONLY)
  file(INSTALL DESTINATION \"\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_LIBDIR}/pkgconfig\"
       TYPE FILE FILES \"${CMAKE_BINARY_DIR}/pc/blanc.pc\")" COMPONENT dev)

configure_package_config_file(${CMAKE_SOURCE_DIR}/cmake/blancConfig.cmake.in
  ${CMAKE_BINARY_DIR}/blancConfig.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/blanc
  PATH_VARS CMAKE_INSTALL_INCLUDEDIR CMAKE_INSTALL_LIBDIR)
write_basic_package_version_file(${CMAKE_BINARY_DIR}/blancConfigVersion.cmake
  COMPATIBILITY SameMajorVersion)
install(FILES ${CMAKE_BINARY_DIR}/blancConfig.cmake ${CMAKE_BINARY_DIR}/blancConfigVersion.cmake
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/blanc COMPONENT dev)

file(GLOB BLANC_DOCS ${CMAKE_SOURCE_DIR}/docs/*.md)
install(FILES ${CMAKE_SOURCE_DIR}/README.md ${CMAKE_SOURCE_DIR}/COMMERCIAL_LICENSE.md ${BLANC_DOCS}
        DESTINATION ${CMAKE_INSTALL_DOCDIR} COMPONENT cli)

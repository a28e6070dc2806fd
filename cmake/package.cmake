# SPDX-FileCopyrightText: 2026 The Blanc authors
# SPDX-License-Identifier: AGPL-3.0-or-later
# cpack -G DEB: three Debian packages from the install components
# (cmake/install.cmake), named blanc_VERSION_amd64.deb and so on:
#   blanc         the CLI and its man pages, the docs
#   libblanc0     libblanc.so.0 (shlibs, ldconfig trigger)
#   libblanc-dev  blanc.h, libblanc.so, libblanc.a, blanc.pc, the CMake package, libblanc(3)
# Depends come from dpkg-shlibdeps. The packages install under /usr whatever
# the build's prefix (configure with -DCMAKE_INSTALL_PREFIX=/usr for the
# multiarch libdir, as scripts/package.sh does). Each package carries its
# copyright (DEP-5, the AGPL text of LICENSE) and a changelog dated
# SOURCE_DATE_EPOCH, so two builds of one commit give the same bytes.
set(BLANC_MAINTAINER "Blanc maintainers <maintainers@blanc.example>")
set(BLANC_DEB_DIR ${CMAKE_BINARY_DIR}/deb)
if(NOT DEFINED BLANC_SOURCE_DATE_EPOCH)
  set(BLANC_SOURCE_DATE_EPOCH 0)
endif()
execute_process(COMMAND date -u -R -d @${BLANC_SOURCE_DATE_EPOCH}
                OUTPUT_VARIABLE BLANC_DEB_DATE OUTPUT_STRIP_TRAILING_WHITESPACE)
string(TIMESTAMP BLANC_YEAR "%Y" UTC)
if(BLANC_SOURCE_DATE_EPOCH)
  execute_process(COMMAND date -u +%Y -d @${BLANC_SOURCE_DATE_EPOCH}
                  OUTPUT_VARIABLE BLANC_YEAR OUTPUT_STRIP_TRAILING_WHITESPACE)
endif()

# debian/copyright: the licence text indented, blank lines as " ."
file(READ ${CMAKE_SOURCE_DIR}/LICENSE BLANC_LICENSE_TEXT)
string(REGEX REPLACE "\n$" "" BLANC_LICENSE_TEXT "${BLANC_LICENSE_TEXT}")
string(REGEX REPLACE "\n\n" "\n.\n" BLANC_LICENSE_TEXT "${BLANC_LICENSE_TEXT}")
string(REGEX REPLACE "\n\n" "\n.\n" BLANC_LICENSE_TEXT "${BLANC_LICENSE_TEXT}")
string(REGEX REPLACE "\n" "\n " BLANC_LICENSE_TEXT " ${BLANC_LICENSE_TEXT}")
configure_file(${CMAKE_SOURCE_DIR}/packaging/copyright.in ${BLANC_DEB_DIR}/copyright @ONLY)
configure_file(${CMAKE_SOURCE_DIR}/packaging/changelog.in ${BLANC_DEB_DIR}/changelog @ONLY)
# gzip -9n: no name, no time in the header
add_custom_command(OUTPUT ${BLANC_DEB_DIR}/changelog.gz
  COMMAND gzip -9nkf ${BLANC_DEB_DIR}/changelog
  DEPENDS ${BLANC_DEB_DIR}/changelog)
add_custom_target(deb_changelog ALL DEPENDS ${BLANC_DEB_DIR}/changelog.gz)
foreach(pair "cli;blanc" "lib;libblanc0" "dev;libblanc-dev")
  list(GET pair 0 component)
  list(GET pair 1 package)
  install(FILES ${BLANC_DEB_DIR}/copyright ${BLANC_DEB_DIR}/changelog.gz
          DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/doc/${package} COMPONENT ${component})
endforeach()

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME blanc)
set(CPACK_PACKAGE_VENDOR "Blanc")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "${BLANC_MAINTAINER}")
set(CPACK_RESOURCE_FILE_LICENSE ${CMAKE_SOURCE_DIR}/LICENSE)
set(CPACK_SET_DESTDIR ON)
set(CPACK_INSTALL_PREFIX /usr)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_PACKAGE_DIRECTORY ${CMAKE_BINARY_DIR}/packages)
set(CPACK_COMPONENTS_ALL cli lib dev)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "https://blanc.example")
set(CPACK_DEBIAN_CLI_PACKAGE_NAME blanc)
set(CPACK_DEBIAN_CLI_PACKAGE_SECTION misc)
set(CPACK_DEBIAN_CLI_DESCRIPTION
  "NASDAQ TotalView-ITCH 5.0 limit-order-book replay engine\nBlanc rebuilds the order-by-order book of every instrument from ITCH 5.0\nBinaryFILE days, MoldUDP64 and SoupBinTCP captures and live MoldUDP64 feeds,\nand reports counts, anomalies, documented digests and its speed.\n.\nThis package holds the blanc command-line tool.")
set(CPACK_DEBIAN_LIB_PACKAGE_NAME libblanc0)
set(CPACK_DEBIAN_LIB_PACKAGE_SECTION libs)
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS ON)
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS_POLICY ">=")
# An ldconfig trigger instead of the ldconfig calls CPack would write into
# postinst/postrm (lintian: lacks-ldconfig-trigger); the two scripts given
# here stop CPack from generating them.
set(CPACK_DEBIAN_LIB_PACKAGE_CONTROL_EXTRA ${CMAKE_SOURCE_DIR}/packaging/libblanc0/triggers
    ${CMAKE_SOURCE_DIR}/packaging/libblanc0/postinst ${CMAKE_SOURCE_DIR}/packaging/libblanc0/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_DEBIAN_LIB_DESCRIPTION
  "NASDAQ TotalView-ITCH 5.0 order-book replay library\nlibblanc decodes ITCH 5.0 from files, captures and live feeds and keeps the\norder-by-order books of every instrument, with digests, snapshots and\nfeed-health detection.\n.\nThis package holds the shared library.")
set(CPACK_DEBIAN_DEV_PACKAGE_NAME libblanc-dev)
set(CPACK_DEBIAN_DEV_PACKAGE_SECTION libdevel)
set(CPACK_DEBIAN_DEV_PACKAGE_DEPENDS
  "libblanc0 (= ${PROJECT_VERSION}), zlib1g-dev, libzstd-dev, libjansson-dev, libxxhash-dev, libpcap-dev")
set(CPACK_DEBIAN_DEV_DESCRIPTION
  "NASDAQ TotalView-ITCH 5.0 order-book replay library (development files)\nlibblanc decodes ITCH 5.0 from files, captures and live feeds and keeps the\norder-by-order books of every instrument.\n.\nThis package holds the header, the static library, blanc.pc, the CMake\npackage and the libblanc(3) man page.")
include(CPack)

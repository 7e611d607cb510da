# Installation (FHS) and the Debian package, included from the top CMakeLists.txt:
# `cmake --install build --prefix /usr`, or `(cd build && cpack -G DEB)`.
# tests/packaging/check_deb.sh builds the package, runs lintian on it (no error, no warning)
# and runs the installed freshd on the installed configuration.
set(FRESHD_DEBIAN_DIR ${CMAKE_CURRENT_LIST_DIR})
set(FRESHD_DEBIAN_OUT ${CMAKE_BINARY_DIR}/debian)

# The Debian changelog (gzipped, as Debian policy wants it) and the man page, generated from
# the built binary's --help texts by help2man.
add_custom_command(
  OUTPUT ${FRESHD_DEBIAN_OUT}/changelog.Debian.gz
  COMMAND ${CMAKE_COMMAND} -E make_directory ${FRESHD_DEBIAN_OUT}
  COMMAND sh -c "gzip -9n < \"$0\" > \"$1\"" ${FRESHD_DEBIAN_DIR}/changelog
          ${FRESHD_DEBIAN_OUT}/changelog.Debian.gz
  DEPENDS ${FRESHD_DEBIAN_DIR}/changelog
  VERBATIM)
set(freshd_debian_outputs ${FRESHD_DEBIAN_OUT}/changelog.Debian.gz)
find_program(FRESHD_HELP2MAN help2man)
if(FRESHD_HELP2MAN)
  add_custom_command(
    OUTPUT ${FRESHD_DEBIAN_OUT}/freshd.1.gz
    COMMAND ${CMAKE_COMMAND} -E make_directory ${FRESHD_DEBIAN_OUT}
    COMMAND ${FRESHD_DEBIAN_DIR}/make-manpage.sh $<TARGET_FILE:freshd>
            ${FRESHD_DEBIAN_DIR}/changelog ${FRESHD_DEBIAN_OUT}/freshd.1.gz
    DEPENDS freshd ${FRESHD_DEBIAN_DIR}/make-manpage.sh ${FRESHD_DEBIAN_DIR}/changelog
    VERBATIM)
  list(APPEND freshd_debian_outputs ${FRESHD_DEBIAN_OUT}/freshd.1.gz)
  install(FILES ${FRESHD_DEBIAN_OUT}/freshd.1.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
else()
  message(WARNING "help2man not found: no man page (scripts/install-deps.sh installs it)")
endif()
add_custom_target(freshd_package_docs ALL DEPENDS ${freshd_debian_outputs})

install(FILES systemd/freshd.service DESTINATION lib/systemd/system)
# A daemon's configuration lives in /etc whatever the prefix (the unit reads it there). It
# watches the example corpus, in /usr/share/freshd/examples with the prefix /usr.
install(FILES examples/freshd.yaml DESTINATION /etc/freshd)
install(DIRECTORY examples/corpus/ DESTINATION ${CMAKE_INSTALL_DATADIR}/freshd/examples)
install(FILES metrics/alerts.yml metrics/dashboard.json DESTINATION ${CMAKE_INSTALL_DATADIR}/freshd)
# The one lintian hint that does not apply, with the reason, where lintian looks for it.
install(FILES ${FRESHD_DEBIAN_DIR}/lintian-overrides DESTINATION ${CMAKE_INSTALL_DATADIR}/lintian/overrides
        RENAME freshd)
install(FILES README.md ${FRESHD_DEBIAN_DIR}/copyright ${FRESHD_DEBIAN_OUT}/changelog.Debian.gz
        DESTINATION ${CMAKE_INSTALL_DOCDIR})

# The maintainer is the project's address as its commits give it; a distributor sets its own.
set(FRESHD_DEBIAN_MAINTAINER
    "freshd maintainers <maintainers@users.noreply.b-seed-bece7a03.example>"
    CACHE STRING "Maintainer: of the Debian package (also in systemd/debian/changelog)")
set(FRESHD_HOMEPAGE "" CACHE STRING "Homepage: of the Debian package (none when empty)")

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME freshd)
set(CPACK_PACKAGE_CONTACT "${FRESHD_DEBIAN_MAINTAINER}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "knowledge-freshness monitoring daemon for RAG and fine-tuning")
# The extended description, wrapped as Debian wants it (lines under 80 characters).
file(READ ${FRESHD_DEBIAN_DIR}/description CPACK_PACKAGE_DESCRIPTION)
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${FRESHD_DEBIAN_DIR}/description)
if(FRESHD_HOMEPAGE)
  set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "${FRESHD_HOMEPAGE}")
endif()
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
# A Debian revision: the package is not native, its changelog is changelog.Debian.gz.
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${FRESHD_DEBIAN_DIR}/conffiles ${FRESHD_DEBIAN_DIR}/postinst ${FRESHD_DEBIAN_DIR}/prerm
    ${FRESHD_DEBIAN_DIR}/postrm)
# Maintainer scripts 0755, conffiles 0644, whatever the checkout's modes.
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)

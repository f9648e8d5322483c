# Installation: binaries, libraries, headers (under include/cgear), system
# EDLs, the CMake package and pkg-config files. See docs/build.md.
set(CGEAR_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/cgear)

install(TARGETS cgear_urts cgear_trts
                cgear_secure_channel_client cgear_secure_channel_host cgear_secure_channel_enclave
        EXPORT cgearTargets
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(TARGETS cgear EXPORT cgearTargets RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
# The system install's launcher: set-user-ID root when installed by root
# (docs/attestation.md, "System platform"). It does nothing until root
# creates the system platform folder.
install(TARGETS cgear_launcher RUNTIME DESTINATION ${CMAKE_INSTALL_LIBEXECDIR}/cgear
        PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE SETUID)
install(DIRECTORY include/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/cgear FILES_MATCHING PATTERN "*.h")
install(DIRECTORY edl/ DESTINATION ${CMAKE_INSTALL_DATADIR}/cgear/edl)
# The Python secure-channel client (docs/secure-channel.md): a module and a program.
install(PROGRAMS src/secure_channel/client/python/cgear_sc_client.py DESTINATION ${CMAKE_INSTALL_DATADIR}/cgear/python)
install(EXPORT cgearTargets NAMESPACE cgear:: DESTINATION ${CGEAR_CMAKE_DIR})

include(CMakePackageConfigHelpers)
configure_package_config_file(cmake/cgearConfig.cmake.in ${CMAKE_CURRENT_BINARY_DIR}/cgearConfig.cmake
                              INSTALL_DESTINATION ${CGEAR_CMAKE_DIR}
                              PATH_VARS CMAKE_INSTALL_DATADIR)
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/cgearConfigVersion.cmake
                                 COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/cgearConfig.cmake ${CMAKE_CURRENT_BINARY_DIR}/cgearConfigVersion.cmake
              cmake/cgear_functions.cmake cmake/cgear_musl.cmake
        DESTINATION ${CGEAR_CMAKE_DIR})

# Relocatable: the prefix is found relative to the .pc file itself.
file(RELATIVE_PATH CGEAR_PC_TO_PREFIX /p/${CMAKE_INSTALL_LIBDIR}/pkgconfig /p)
foreach(pc cgear-urts cgear-trts cgear-secure-channel-client cgear-secure-channel-host
          cgear-secure-channel-enclave)
  configure_file(cmake/${pc}.pc.in ${CMAKE_CURRENT_BINARY_DIR}/${pc}.pc @ONLY)
  install(FILES ${CMAKE_CURRENT_BINARY_DIR}/${pc}.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
endforeach()

# What `cmake --install` adds beyond the libraries and headers (sg_library installs those): the
# umbrella header, the version header, a CMake package for find_package(synthgrad) and a
# pkg-config file. Both are relocatable: they find the prefix from where they are installed.
add_library(sg_all INTERFACE)
set_target_properties(sg_all PROPERTIES EXPORT_NAME synthgrad)
target_link_libraries(sg_all INTERFACE sg::core sg::autograd sg::nn sg::optim sg::models sg::data
                                       sg::distributed)
add_library(synthgrad::synthgrad ALIAS sg_all)
install(TARGETS sg_all EXPORT synthgradTargets)
install(FILES ${PROJECT_SOURCE_DIR}/synthgrad.h ${SG_GENERATED_INCLUDE_DIR}/synthgrad/version.h
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/synthgrad)

set(config_dir ${CMAKE_INSTALL_LIBDIR}/cmake/synthgrad)
install(EXPORT synthgradTargets NAMESPACE synthgrad:: DESTINATION ${config_dir})
# Before 1.0 a minor version may break the API: 0.2 serves requests for 0.2.x only.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/synthgradConfigVersion.cmake
                                 COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/synthgradConfig.cmake
              ${PROJECT_BINARY_DIR}/synthgradConfigVersion.cmake
        DESTINATION ${config_dir})

# Static libraries need their private dependencies at the user's link too.
set(SG_PC_PRIVATE "openblas sentencepiece")
if(MPI_CXX_FOUND)
  string(APPEND SG_PC_PRIVATE " ompi-c")  # MPI's C API is all distributed/ calls
  set(SG_CONFIG_FIND_MPI "find_dependency(MPI COMPONENTS CXX)")
endif()
if(BUILD_SHARED_LIBS)
  set(SG_PC_REQUIRES "fmt nlohmann_json tbb")
  set(SG_PC_REQUIRES_PRIVATE "${SG_PC_PRIVATE}")
else()
  set(SG_PC_REQUIRES "fmt nlohmann_json tbb ${SG_PC_PRIVATE}")
  set(SG_PC_REQUIRES_PRIVATE "")
endif()
configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/synthgradConfig.cmake.in
                              ${PROJECT_BINARY_DIR}/synthgradConfig.cmake
                              INSTALL_DESTINATION ${config_dir})
# The prefix as seen from the .pc file's folder, which may be deeper than lib/ (Debian's
# lib/x86_64-linux-gnu/pkgconfig).
file(RELATIVE_PATH SG_PC_PREFIX_FROM_PCFILEDIR ${CMAKE_INSTALL_FULL_LIBDIR}/pkgconfig
     ${CMAKE_INSTALL_PREFIX})
configure_file(${CMAKE_CURRENT_LIST_DIR}/synthgrad.pc.in ${PROJECT_BINARY_DIR}/synthgrad.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/synthgrad.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

if(SG_NATIVE)
  install(CODE "message(WARNING \"synthgrad was built with SG_NATIVE (-march=native): the installed \
library runs only on CPUs with every instruction set of the building machine. Configure with \
-DSG_NATIVE=OFF for a package that runs on other machines.\")")
endif()

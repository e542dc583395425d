# userland.cmake - included from guest-kernel/CMakeLists.txt (the "userland" block).
# Host tools (image builder, ELF converter, file-system checker), the user programs built
# with the i386 cross toolchain, and ${CMAKE_CURRENT_BINARY_DIR}/disk.img (ABI.md layout).

set(PW_GK_SRC ${CMAKE_CURRENT_SOURCE_DIR})
set(PW_GK_BIN ${CMAKE_CURRENT_BINARY_DIR})

# --- host tools -------------------------------------------------------------------------
add_executable(pw_mkdisk ${PW_GK_SRC}/tools/mkdisk.c ${PW_GK_SRC}/tools/minixfs_build.c)
add_executable(pw_elf2aout ${PW_GK_SRC}/tools/elf2aout.c)
add_executable(pw_fsck ${PW_GK_SRC}/tools/fsck.c ${PW_GK_SRC}/tools/minixfs_read.c)
add_executable(pw_minixfs_test ${PW_GK_SRC}/tools/minixfs_test.c
               ${PW_GK_SRC}/tools/minixfs_build.c ${PW_GK_SRC}/tools/minixfs_read.c)
target_include_directories(pw_minixfs_test PRIVATE ${CMAKE_SOURCE_DIR}/tests/unit)
add_test(NAME minixfs_roundtrip COMMAND pw_minixfs_test)
set_tests_properties(minixfs_roundtrip PROPERTIES LABELS unit TIMEOUT 60)

# --- user programs (i386, never the host target) ----------------------------------------
set(PW_USER_PROGRAMS init sh ls cat echo ps free cow demand share oom tlbdemo forkstorm)
set(PW_USER_LIB crt0.S syscalls.c string.c printf.c malloc.c)
set(PW_USER_OUT ${PW_GK_BIN}/user)
set(PW_USER_CFLAGS ${PW_I386_CFLAGS} -Wextra -ffunction-sections -fdata-sections -std=gnu17
    -I${PW_GK_SRC}/include -I${PW_GK_SRC}/user/lib)
set(PW_USER_HEADERS ${PW_GK_SRC}/user/lib/ulib.h ${PW_GK_SRC}/include/pw_abi.h)

set(pw_user_lib_objs)
foreach(src ${PW_USER_LIB})
  set(obj ${PW_USER_OUT}/lib/${src}.o)
  add_custom_command(OUTPUT ${obj}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${PW_USER_OUT}/lib
    COMMAND ${PW_I386_CC} ${PW_USER_CFLAGS} -c ${PW_GK_SRC}/user/lib/${src} -o ${obj}
    DEPENDS ${PW_GK_SRC}/user/lib/${src} ${PW_USER_HEADERS}
    COMMENT "i386 user lib: ${src}" VERBATIM)
  list(APPEND pw_user_lib_objs ${obj})
endforeach()

set(pw_user_execs)
set(PW_DISK_FILE_ARGS)
foreach(prog ${PW_USER_PROGRAMS})
  set(obj ${PW_USER_OUT}/${prog}.o)
  add_custom_command(OUTPUT ${obj}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${PW_USER_OUT}
    COMMAND ${PW_I386_CC} ${PW_USER_CFLAGS} -c ${PW_GK_SRC}/user/bin/${prog}.c -o ${obj}
    DEPENDS ${PW_GK_SRC}/user/bin/${prog}.c ${PW_USER_HEADERS}
    COMMENT "i386 user: ${prog}.c" VERBATIM)
  add_custom_command(OUTPUT ${PW_USER_OUT}/${prog} ${PW_USER_OUT}/${prog}.elf
    COMMAND ${PW_I386_LD} -m elf_i386 -static --gc-sections -T ${PW_GK_SRC}/user/user.ld
            -o ${PW_USER_OUT}/${prog}.elf ${obj} ${pw_user_lib_objs}
    COMMAND pw_elf2aout ${PW_USER_OUT}/${prog}.elf ${PW_USER_OUT}/${prog}
    DEPENDS ${obj} ${pw_user_lib_objs} ${PW_GK_SRC}/user/user.ld pw_elf2aout
    COMMENT "i386 user link: ${prog}" VERBATIM)
  list(APPEND pw_user_execs ${PW_USER_OUT}/${prog})
  list(APPEND PW_DISK_FILE_ARGS /bin/${prog}=${PW_USER_OUT}/${prog})
endforeach()
list(APPEND PW_DISK_FILE_ARGS /etc/motd=${PW_GK_SRC}/user/files/motd /README=${PW_GK_SRC}/user/files/README)
add_custom_target(user_programs ALL DEPENDS ${pw_user_execs})

# --- disk.img ------------------------------------------------------------------------
# Deferred to the end of this directory so it works wherever the kernel part defines the
# rules for bootsect.bin, setup.bin and kernel.bin; until those rules exist (the kernel is
# being written) there is no disk target.
function(pw_userland_disk)
  set(parts ${PW_GK_BIN}/bootsect.bin ${PW_GK_BIN}/setup.bin ${PW_GK_BIN}/kernel.bin)
  foreach(p ${parts})
    get_property(gen SOURCE ${p} PROPERTY GENERATED)
    if(NOT gen)
      message(STATUS "guest-kernel: no rule for ${p} yet; disk.img not built")
      return()
    endif()
  endforeach()
  add_custom_command(OUTPUT ${PW_GK_BIN}/disk.img
    COMMAND pw_mkdisk -o ${PW_GK_BIN}/disk.img -b ${PW_GK_BIN}/bootsect.bin
            -s ${PW_GK_BIN}/setup.bin -k ${PW_GK_BIN}/kernel.bin ${PW_DISK_FILE_ARGS}
    DEPENDS ${parts} ${pw_user_execs} ${PW_GK_SRC}/user/files/motd ${PW_GK_SRC}/user/files/README pw_mkdisk
    COMMENT "disk.img" VERBATIM)
  add_custom_target(disk_image ALL DEPENDS ${PW_GK_BIN}/disk.img)
  add_test(NAME disk_image_fsck COMMAND pw_fsck ${PW_GK_BIN}/disk.img ${PW_DISK_FILE_ARGS})
  set_tests_properties(disk_image_fsck PROPERTIES LABELS unit TIMEOUT 60)
endfunction()
cmake_language(DEFER CALL pw_userland_disk)

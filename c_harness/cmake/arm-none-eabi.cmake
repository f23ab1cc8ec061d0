# Toolchain file: bare-metal Cortex-M33 (QEMU mps2-an505) with GCC arm-none-eabi and newlib-nano.
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR cortex-m33)

set(TLSFIT_CROSS_PREFIX "arm-none-eabi-" CACHE STRING "Cross toolchain prefix")
set(CMAKE_C_COMPILER "${TLSFIT_CROSS_PREFIX}gcc")
set(CMAKE_ASM_COMPILER "${TLSFIT_CROSS_PREFIX}gcc")
set(CMAKE_AR "${TLSFIT_CROSS_PREFIX}ar" CACHE FILEPATH "")
set(CMAKE_RANLIB "${TLSFIT_CROSS_PREFIX}ranlib" CACHE FILEPATH "")
set(CMAKE_SIZE "${TLSFIT_CROSS_PREFIX}size" CACHE FILEPATH "")

# A bare-metal compiler cannot link a test program without our startup code.
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)

set(TLSFIT_CPU_FLAGS "-mcpu=cortex-m33 -mthumb")
set(CMAKE_C_FLAGS_INIT "${TLSFIT_CPU_FLAGS} -Os -ffunction-sections -fdata-sections")
set(CMAKE_EXE_LINKER_FLAGS_INIT "${TLSFIT_CPU_FLAGS} --specs=nano.specs --specs=nosys.specs -nostartfiles -Wl,--gc-sections")

set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)

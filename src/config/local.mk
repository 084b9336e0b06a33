noinst_LIBRARIES += src/config/libimds_config.a
src_config_libimds_config_a_SOURCES = \
	src/config/config.h \
	src/config/config.cpp \
	src/config/file_trust.h \
	src/config/file_trust.cpp
src_config_libimds_config_a_CPPFLAGS = $(AM_CPPFLAGS) $(TOMLPP_CFLAGS)

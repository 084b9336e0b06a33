noinst_LIBRARIES += src/app/libimds_app.a
src_app_libimds_app_a_SOURCES = \
	src/app/alert_limiter.h src/app/alert_limiter.cpp \
	src/app/app.h src/app/app.cpp \
	src/app/builtin_rule.h \
	src/app/command_line.h src/app/command_line.cpp \
	src/app/diagnostics.h src/app/diagnostics.cpp \
	src/app/host_identity.h src/app/host_identity.cpp \
	src/app/pipeline.h src/app/pipeline.cpp \
	src/app/privileges.h src/app/privileges.cpp \
	src/app/setup.h src/app/setup.cpp \
	src/app/signals.h src/app/signals.cpp
nodist_src_app_libimds_app_a_SOURCES = src/app/builtin_rule.cpp
src_app_libimds_app_a_CPPFLAGS = $(AM_CPPFLAGS) $(AUPARSE_CFLAGS) $(TOMLPP_CFLAGS) $(CAPNG_CFLAGS)
BUILT_SOURCES += src/app/builtin_rule.cpp
CLEANFILES += src/app/builtin_rule.cpp
EXTRA_DIST += src/app/embed_rule.sh rules/imds_v3.toml

# The default rule is compiled in, so the program runs without any file.
src/app/builtin_rule.cpp: $(top_srcdir)/rules/imds_v3.toml $(top_srcdir)/src/app/embed_rule.sh
	$(AM_V_GEN)$(MKDIR_P) src/app && \
	$(SHELL) $(top_srcdir)/src/app/embed_rule.sh $(top_srcdir)/rules/imds_v3.toml > $@-t && mv $@-t $@

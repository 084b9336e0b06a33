check_PROGRAMS += tests/app/test_app
TESTS += tests/app/test_app
tests_app_test_app_SOURCES = tests/app/replay_test.cpp tests/app/alert_limiter_test.cpp tests/app/privileges_test.cpp
tests_app_test_app_CPPFLAGS = $(TEST_CPPFLAGS) $(AUPARSE_CFLAGS) $(TOMLPP_CFLAGS)
tests_app_test_app_LDADD = $(IMDS_LAYER_LIBS) $(IMDS_EXTERNAL_LIBS) $(TEST_LIBS)

TESTS += tests/app/cli_test.sh
dist_noinst_SCRIPTS += tests/app/cli_test.sh

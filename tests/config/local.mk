check_PROGRAMS += tests/config/test_config
TESTS += tests/config/test_config
tests_config_test_config_SOURCES = tests/config/config_test.cpp tests/config/file_trust_test.cpp
tests_config_test_config_CPPFLAGS = $(TEST_CPPFLAGS) $(TOMLPP_CFLAGS)
tests_config_test_config_LDADD = src/config/libimds_config.a $(TOMLPP_LIBS) $(TEST_LIBS)

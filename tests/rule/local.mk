# GoogleTest suites of the rule layer. test_rule_alloc is separate because
# it replaces the global operator new to count allocations.
check_PROGRAMS += tests/rule/test_rule tests/rule/test_rule_alloc
TESTS += tests/rule/test_rule tests/rule/test_rule_alloc
EXTRA_DIST += tests/rule/data/bad_query.toml

tests_rule_test_rule_SOURCES = \
	tests/rule/test_events.h \
	tests/rule/wildcard_test.cpp \
	tests/rule/parser_test.cpp \
	tests/rule/evaluator_test.cpp \
	tests/rule/sequence_matcher_test.cpp \
	tests/rule/rule_file_test.cpp \
	tests/rule/imds_rule_test.cpp
tests_rule_test_rule_CPPFLAGS = $(TEST_CPPFLAGS) $(TOMLPP_CFLAGS)
tests_rule_test_rule_LDADD = src/rule/libimds_rule.a src/event/libimds_event.a \
	$(TOMLPP_LIBS) $(TEST_LIBS)

tests_rule_test_rule_alloc_SOURCES = \
	tests/rule/test_events.h \
	tests/rule/no_allocation_test.cpp
tests_rule_test_rule_alloc_CPPFLAGS = $(TEST_CPPFLAGS) $(TOMLPP_CFLAGS)
tests_rule_test_rule_alloc_LDADD = src/rule/libimds_rule.a src/event/libimds_event.a \
	$(TOMLPP_LIBS) $(TEST_LIBS)

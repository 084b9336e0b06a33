check_PROGRAMS += tests/corpus/test_corpus
TESTS += tests/corpus/test_corpus
tests_corpus_test_corpus_SOURCES = tests/corpus/corpus_test.cpp
tests_corpus_test_corpus_CPPFLAGS = $(TEST_CPPFLAGS) $(AUPARSE_CFLAGS)
tests_corpus_test_corpus_LDADD = src/input/libimds_input.a src/audit/libimds_audit.a \
	src/event/libimds_event.a $(AUPARSE_LIBS) $(TEST_LIBS)

# The rule layer: EQL subset (lexer, parser, compiler, evaluator), wildcard
# matching, Elastic TOML rule files, sequence matching. Uses only the event
# layer (and output/alert.h, a header of plain structs).
noinst_LIBRARIES += src/rule/libimds_rule.a
src_rule_libimds_rule_a_SOURCES = \
	src/rule/rule_error.h \
	src/rule/rule_error.cpp \
	src/rule/wildcard.h \
	src/rule/wildcard.cpp \
	src/rule/lexer.h \
	src/rule/lexer.cpp \
	src/rule/ast.h \
	src/rule/parser.h \
	src/rule/parser.cpp \
	src/rule/compiler.h \
	src/rule/compiler.cpp \
	src/rule/evaluator.h \
	src/rule/evaluator.cpp \
	src/rule/rule.h \
	src/rule/rule_file.h \
	src/rule/rule_file.cpp \
	src/rule/sequence_matcher.h \
	src/rule/sequence_matcher.cpp \
	src/rule/rule_set.h \
	src/rule/rule_set.cpp
src_rule_libimds_rule_a_CPPFLAGS = $(AM_CPPFLAGS) $(TOMLPP_CFLAGS)

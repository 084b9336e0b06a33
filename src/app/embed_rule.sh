#!/bin/sh
# Turns a rule file into a C++ source defining imds::BuiltinRuleText(), so the
# default rule needs no file at run time (a missing /usr/share does not leave
# the plugin without its rule). Bytes are emitted as numbers: no escaping
# question can arise whatever the file contains.
set -eu
in=$1
name=$(basename "$in")
echo '// Generated from rules/'"$name"' by src/app/embed_rule.sh. Do not edit.'
echo '#include "app/builtin_rule.h"'
echo 'namespace imds {'
echo 'namespace {'
echo 'const unsigned char kRuleBytes[] = {'
od -An -v -tx1 "$in" | sed -e 's/\([0-9a-f][0-9a-f]\)/0x\1,/g'
echo '0x00};'
echo '}  // namespace'
echo 'std::string_view BuiltinRuleText() {'
echo '  return {reinterpret_cast<const char*>(kRuleBytes), sizeof(kRuleBytes) - 1};'
echo '}'
echo 'std::string_view BuiltinRuleName() { return "(built-in) rules/'"$name"'"; }'
echo '}  // namespace imds'

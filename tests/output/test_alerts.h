// Shared fixtures for the output tests: a complete IMDS alert as the rule
// engine would hand it over, and a reference for what JSON decoding of a
// host string must give back.
#ifndef AUDISP_IMDS_TESTS_OUTPUT_TEST_ALERTS_H
#define AUDISP_IMDS_TESTS_OUTPUT_TEST_ALERTS_H

#include <string>
#include <string_view>

#include "output/alert.h"

namespace imds::testing {

// The v3 IMDS rule's metadata; an exec of curl by a bash (pid 3001, audit
// serial 4242 at 2026-11-29T04:35:01.120Z) and its connect to
// 169.254.169.254:80 (serial 4243, .123Z, EINPROGRESS).
Alert ImdsAlert();

// What a JSON decoder must return for `raw` after formatting: valid UTF-8
// unchanged, every byte that is not part of valid UTF-8 as the text \xhh.
// Written from the UTF-8 definition, not from src/output.
std::string JsonDecodedForm(std::string_view raw);

}  // namespace imds::testing

#endif  // AUDISP_IMDS_TESTS_OUTPUT_TEST_ALERTS_H

// audisp-imds: auditd plugin detecting unusual Instance Metadata Service
// requests. All wiring lives in src/app/; see audisp-imds(8).
#include "app/app.h"

int main(int argc, char** argv) { return imds::RunAudispImds(argc, argv); }

// audisp-imds entry point (wired in src/app/).
int main() { return 0; }

#include "cli/app.hpp"

int main(int argc, char** argv) { return recharged::main(argc, argv); }

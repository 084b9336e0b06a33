# The process layer: a bounded (host, pid) -> program image table that gives
# events their entity ids, parent and entry-leader executables, fed by exec
# events and, when live, by /proc. Uses only the event layer.
noinst_LIBRARIES += src/process/libimds_process.a
src_process_libimds_process_a_SOURCES = \
	src/process/lru_map.h \
	src/process/proc_source.h \
	src/process/proc_source.cpp \
	src/process/process_table.h \
	src/process/process_table.cpp

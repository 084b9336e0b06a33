noinst_LIBRARIES += src/event/libimds_event.a
src_event_libimds_event_a_SOURCES = \
	src/event/ecs_event.h \
	src/event/exec_image.h \
	src/event/exec_image.cpp \
	src/event/field.h \
	src/event/field.cpp

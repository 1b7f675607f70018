#ifndef TB_MOD_MODULES_H
#define TB_MOD_MODULES_H

#include <stddef.h>

/* Registers every module's route table and hooks. */
void tb_modules_register(void);
/* Start-up checks of module configuration: 0, or -1 with a message. */
int tb_modules_check(char *err, size_t errlen);

#endif

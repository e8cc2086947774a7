/* SPDX-License-Identifier: MIT */
#ifndef ED_HUB_OBJECTS_H
#define ED_HUB_OBJECTS_H
#include <jansson.h>

struct ed_app;
struct instance;

/* The objects instance `in` answers, as GET /objects with Elements-Version:
 * Helium lists them: [{name, vendorName, type}], the element's catalogue
 * (src/elements/defs, type ceCanonical or vendor) and the virtual objects
 * that resolve for the instance (type vdr, vendorName the resource they map
 * onto; one of the catalogue's name is replaced by it). No HubSpot call.
 * New reference. */
json_t *hub_objects_render(struct ed_app *app, const struct instance *in);

#endif

import type { RouteModule } from './platform/http.ts';

/** Every HTTP route module, in registration order. Each domain adds its own line. */
export const routeModules: RouteModule[] = [];

import type { RouteModule } from './platform/http.ts';
import { areasRoutes } from './domains/areas/areas.routes.ts';
import { pictureRoutes } from './domains/picture/picture.routes.ts';
import { taxonomyRoutes } from './domains/taxonomy/taxonomy.routes.ts';
import { sourcesRoutes } from './domains/sources/sources.routes.ts';
import { signalsRoutes } from './domains/signals/signals.routes.ts';

/** Every HTTP route module, in registration order. Each domain adds its own line. */
export const routeModules: RouteModule[] = [
  areasRoutes,
  pictureRoutes,
  taxonomyRoutes,
  sourcesRoutes,
  signalsRoutes,
];

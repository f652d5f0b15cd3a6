// Front ends: public web apps behind the ingress controller, with TLS from cert-manager.
import type { ComponentBuilder } from 'strata-gitops';
import { adminConsole } from './admin-console.ts';
import { storefront } from './storefront.ts';

export const frontendApps: readonly ComponentBuilder[] = [storefront, adminConsole];

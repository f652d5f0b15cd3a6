import type yargsFactory from 'yargs';

declare const yargs: typeof yargsFactory;
export = yargs;

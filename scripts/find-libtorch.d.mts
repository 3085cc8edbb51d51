// Types of find-libtorch.mjs (plain JavaScript, see there) for the TypeScript that imports it.
export declare const LIBTORCH_HINT: string;
export interface FoundLibtorch {
  source: string;
  root: string;
  includeDirs: string[];
  libDir: string;
  cxx11Abi: number;
  cuda: boolean;
  gloo: boolean;
}
export declare function findLibtorch(): FoundLibtorch | null;

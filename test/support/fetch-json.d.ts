// Tests read many JSON answers and assert their shape with expect(); `any` keeps them readable.
declare global {
  interface Response {
    json(): Promise<any>;
  }
}
export {};

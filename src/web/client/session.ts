// The API key lives in sessionStorage: it is sent with every API call and forgotten when the tab
// closes. The dashboard itself holds no data; every number comes from the API with this key.
const KEY = 'outpost.signals.key';

export const session = {
  key: (): string | null => sessionStorage.getItem(KEY),
  signIn: (key: string) => sessionStorage.setItem(KEY, key),
  signOut: () => sessionStorage.removeItem(KEY),
};

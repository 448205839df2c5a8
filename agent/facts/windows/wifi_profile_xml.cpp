#include "agent/facts/windows/wifi_profile_xml.h"

// Windows headers: <windows.h> first, then the rest in dependency order.
// clang-format off
#include <windows.h>
#include <objbase.h>
#include <shlwapi.h>
#include <xmllite.h>
// clang-format on

#include <vector>

#include "agent/facts/windows/win_error.h"
#include "agent/facts/windows/win_text.h"
#include "agent/facts/windows/wmi.h"

namespace mamori::facts::win {

namespace {

// mingw ships xmllite.h but no import library: bind at run time (the DLL is
// part of every Windows since XP SP2, and of Wine).
using CreateXmlReaderFn = HRESULT(WINAPI*)(REFIID, void**, IMalloc*);

CreateXmlReaderFn LoadCreateXmlReader() {
  HMODULE module = LoadLibraryW(L"xmllite.dll");
  if (module == nullptr) return nullptr;
  return reinterpret_cast<CreateXmlReaderFn>(
      reinterpret_cast<void*>(GetProcAddress(module, "CreateXmlReader")));
}

}  // namespace

CollectionStatus ParseWlanProfileXml(const wchar_t* xml,
                                     WlanProfileValues* out) {
  static const CreateXmlReaderFn create = LoadCreateXmlReader();
  if (create == nullptr) {
    return Win32Status("LoadLibrary(xmllite.dll)", GetLastError());
  }
  // XmlLite reads from a stream; a UTF-16LE BOM in front tells it the
  // encoding (without one it would assume UTF-8).
  std::wstring text = L"\xFEFF";
  text += xml;
  ComPtr<IStream> stream;
  *stream.Receive() =
      SHCreateMemStream(reinterpret_cast<const BYTE*>(text.data()),
                        static_cast<UINT>(text.size() * sizeof(wchar_t)));
  if (!stream) return ErrorStatus("SHCreateMemStream failed");
  ComPtr<IXmlReader> reader;
  HRESULT hr = create(__uuidof(IXmlReader), reader.ReceiveVoid(), nullptr);
  if (FAILED(hr)) return HresultStatus("CreateXmlReader", hr);
  hr = reader->SetInput(stream.get());
  if (FAILED(hr)) return HresultStatus("IXmlReader::SetInput", hr);
  hr = reader->SetProperty(XmlReaderProperty_DtdProcessing,
                           DtdProcessing_Prohibit);
  if (FAILED(hr)) return HresultStatus("IXmlReader::SetProperty", hr);

  std::vector<std::wstring> path;  // local names of open elements
  XmlNodeType node = XmlNodeType_None;
  while ((hr = reader->Read(&node)) == S_OK) {
    if (node == XmlNodeType_Element) {
      const wchar_t* name = nullptr;
      reader->GetLocalName(&name, nullptr);
      BOOL empty = reader->IsEmptyElement();
      if (!empty) path.emplace_back(name);
    } else if (node == XmlNodeType_EndElement) {
      if (!path.empty()) path.pop_back();
    } else if (node == XmlNodeType_Text && !path.empty()) {
      const wchar_t* value = nullptr;
      reader->GetValue(&value, nullptr);
      const std::string text = WideToUtf8(value);
      const std::wstring& leaf = path.back();
      const std::wstring parent =
          path.size() >= 2 ? path[path.size() - 2] : L"";
      if (leaf == L"name" && parent == L"WLANProfile") {
        out->name = text;
      } else if (leaf == L"name" && parent == L"SSID") {
        out->ssid = text;
      } else if (leaf == L"nonBroadcast" && parent == L"SSIDConfig") {
        out->non_broadcast = text;
      } else if (leaf == L"connectionMode" && parent == L"WLANProfile") {
        out->connection_mode = text;
      } else if (parent == L"authEncryption") {
        if (leaf == L"authentication") out->authentication = text;
        if (leaf == L"encryption") out->encryption = text;
        if (leaf == L"useOneX") out->use_one_x = text;
      }
    }
  }
  if (FAILED(hr)) return HresultStatus("IXmlReader::Read (WLAN profile)", hr);
  return OkStatus();
}

}  // namespace mamori::facts::win

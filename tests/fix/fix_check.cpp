// SPDX-FileCopyrightText: 2026 The Blanc authors
// SPDX-License-Identifier: AGPL-3.0-or-later
// An independent reader of `blanc replay --emit fix` (tests/fix_test.py):
// QuickFIX parses every line with its data dictionary (FIX44.xml, or
// FIXT11.xml + FIX50SP2.xml from the QuickFIX source, tests/fix/README.md),
// which checks BodyLength, CheckSum, required fields, field types, enum
// values and the order of header, body and trailer. MsgSeqNum must count
// from 1 and BeginString/ApplVerID must be the version's. Then the books are
// rebuilt from the messages alone: a 35=W replaces an instrument's book and
// must equal the book rebuilt so far if there is one; a 35=X entry sets
// (new, change) or removes (delete) the level (Symbol, MDEntryType,
// MDEntryPx); trade entries (269=2) are counted, not booked. Prints the final
// books as "SYM SIDE PRICE_TICKS SHARES ORDERS" lines, sorted, then
// "trades N"; exit 1 with the line number on the first problem.
//
// usage: fix_check 4.4|5.0sp2 DICT_DIR FILE
#include <quickfix/DataDictionary.h>
#include <quickfix/Message.h>

#include <cstdint>
#include <fstream>
#include <iostream>
#include <map>
#include <string>
#include <tuple>

typedef std::map<std::tuple<char, uint64_t>, std::pair<uint64_t, uint64_t>> Book;

// QuickFIX 1.15.1's DataDictionary::validate checks formats and enum values
// of the header's and body's own fields only, not inside repeating groups,
// and reads the header's required='Y' as not required. So every field,
// groups included, is checked here against the same dictionary: a tag the
// dictionary defines (and, in a group, one the group holds), a value of its
// type by QuickFIX's own convertors, and one of its enum values if it has any.
static void check_field(const FIX::DataDictionary& dd, const FIX::FieldBase& f)
{
    FIX::TYPE::Type type = FIX::TYPE::Unknown;
    const std::string& v = f.getString();
    std::string what = "tag " + std::to_string(f.getTag()) + "=" + v;
    if (!dd.isField(f.getTag()) || !dd.getFieldType(f.getTag(), type))
        throw std::runtime_error(what + ": not in the dictionary");
    if (v.empty())
        throw std::runtime_error(what + ": empty");
    try {
        switch (type) {
        case FIX::TYPE::String: break;
        case FIX::TYPE::Char: FIX::CharConvertor::convert(v); break;
        case FIX::TYPE::Price:
        case FIX::TYPE::Qty:
        case FIX::TYPE::Float: FIX::DoubleConvertor::convert(v); break;
        case FIX::TYPE::Int:
        case FIX::TYPE::NumInGroup:
        case FIX::TYPE::SeqNum:
        case FIX::TYPE::Length: FIX::IntConvertor::convert(v); break;
        case FIX::TYPE::UtcTimeStamp: FIX::UtcTimeStampConvertor::convert(v); break;
        case FIX::TYPE::UtcDate: FIX::UtcDateConvertor::convert(v); break;
        case FIX::TYPE::UtcTimeOnly: FIX::UtcTimeOnlyConvertor::convert(v); break;
        default: throw std::runtime_error(what + ": a type this checker does not know");
        }
    } catch (FIX::FieldConvertError&) {
        throw std::runtime_error(what + ": not a valid value of its type");
    }
    if (dd.hasFieldValue(f.getTag()) && !dd.isFieldValue(f.getTag(), v))
        throw std::runtime_error(what + ": not one of its enumerated values");
}

static void check_map(const FIX::DataDictionary& dd, const FIX::FieldMap& map,
                      const FIX::DataDictionary* group, const std::string& msgType)
{
    for (auto i = map.begin(); i != map.end(); ++i) {
        check_field(dd, *i);
        if (group && !group->isField(i->getTag()))
            throw std::runtime_error("tag " + std::to_string(i->getTag()) + " in a group "
                                     "that does not hold it");
    }
    for (auto g = map.g_begin(); g != map.g_end(); ++g) {
        int delim = 0;
        const FIX::DataDictionary* gdd = nullptr;
        const FIX::DataDictionary& owner = group ? *group : dd;
        if (!owner.getGroup(msgType, g->first, delim, gdd))
            throw std::runtime_error("group " + std::to_string(g->first) + " not in " + msgType);
        for (const FIX::FieldMap* e : g->second) {
            if (!e->isSetField(delim))
                throw std::runtime_error("group entry without its first field");
            check_map(dd, *e, gdd, msgType);
        }
    }
}

static uint64_t ticks(const std::string& px)
{
    // decimal dollars -> 1e-4 ticks, exactly (no floating point)
    size_t dot = px.find('.');
    std::string ip = px.substr(0, dot), fp = dot == std::string::npos ? "" : px.substr(dot + 1);
    if (fp.size() > 4)
        throw std::runtime_error("MDEntryPx with more than 4 decimals: " + px);
    while (fp.size() < 4)
        fp += '0';
    return std::stoull(ip) * 10000 + std::stoull(fp);
}

int main(int argc, char** argv)
{
    if (argc != 4) {
        std::cerr << "usage: fix_check 4.4|5.0sp2 DICT_DIR FILE\n";
        return 2;
    }
    std::string ver = argv[1], dir = argv[2];
    bool fixt = ver == "5.0sp2";
    FIX::DataDictionary app(dir + (fixt ? "/FIX50SP2.xml" : "/FIX44.xml"));
    FIX::DataDictionary session(dir + (fixt ? "/FIXT11.xml" : "/FIX44.xml"));
    std::ifstream in(argv[3], std::ios::binary);
    if (!in) {
        std::cerr << "cannot open " << argv[3] << "\n";
        return 2;
    }
    std::map<std::string, Book> books;
    std::string line;
    uint64_t n = 0, trades = 0, snapshots = 0, increments = 0;
    try {
        while (std::getline(in, line)) {
            n++;
            FIX::Message m(line, session, app, true); // BodyLength and CheckSum
            FIX::DataDictionary::validate(m, &session, &app);
            const FIX::Header& h = m.getHeader();
            std::string type = h.getField(FIX::FIELD::MsgType);
            for (int tag : {8, 9, 35, 49, 56, 34, 52}) // required='Y' in the header
                if (!h.isSetField(tag))
                    throw std::runtime_error("header without tag " + std::to_string(tag));
            check_map(session, h, nullptr, type);
            check_map(app, m, nullptr, type);
            if (h.getField(FIX::FIELD::BeginString) != (fixt ? "FIXT.1.1" : "FIX.4.4"))
                throw std::runtime_error("BeginString " + h.getField(FIX::FIELD::BeginString));
            if (fixt && h.getField(FIX::FIELD::ApplVerID) != "9")
                throw std::runtime_error("ApplVerID is not 9 (FIX50SP2)");
            if (std::stoull(h.getField(FIX::FIELD::MsgSeqNum)) != n)
                throw std::runtime_error("MsgSeqNum " + h.getField(FIX::FIELD::MsgSeqNum));
            int count = std::stoi(m.getField(FIX::FIELD::NoMDEntries));
            if (type == "W") {
                snapshots++;
                std::string sym = m.getField(FIX::FIELD::Symbol);
                Book b;
                for (int i = 1; i <= count; i++) {
                    const FIX::FieldMap& g = static_cast<const FIX::FieldMap&>(m).getGroupRef(
                        i, FIX::FIELD::NoMDEntries);
                    char side = g.getField(FIX::FIELD::MDEntryType)[0];
                    b[{side, ticks(g.getField(FIX::FIELD::MDEntryPx))}] = {
                        std::stoull(g.getField(FIX::FIELD::MDEntrySize)),
                        std::stoull(g.getField(FIX::FIELD::NumberOfOrders))};
                }
                auto it = books.find(sym);
                if (it != books.end() && it->second != b)
                    throw std::runtime_error("snapshot of " + sym + " differs from the book "
                                             "rebuilt from the increments");
                books[sym] = b;
            } else if (type == "X") {
                increments++;
                for (int i = 1; i <= count; i++) {
                    const FIX::FieldMap& g = static_cast<const FIX::FieldMap&>(m).getGroupRef(
                        i, FIX::FIELD::NoMDEntries);
                    char act = g.getField(FIX::FIELD::MDUpdateAction)[0];
                    char side = g.getField(FIX::FIELD::MDEntryType)[0];
                    std::string sym = g.getField(FIX::FIELD::Symbol);
                    uint64_t px = ticks(g.getField(FIX::FIELD::MDEntryPx));
                    if (side == '2') {
                        trades++;
                        continue;
                    }
                    Book& b = books[sym];
                    auto key = std::make_tuple(side, px);
                    bool have = b.count(key) != 0;
                    if (act == '2') {
                        if (!have)
                            throw std::runtime_error("delete of a level that is not there");
                        b.erase(key);
                        continue;
                    }
                    if ((act == '0') == have)
                        throw std::runtime_error(act == '0'
                                                     ? "new level that is already there"
                                                     : "change of a level that is not there");
                    b[key] = {std::stoull(g.getField(FIX::FIELD::MDEntrySize)),
                              std::stoull(g.getField(FIX::FIELD::NumberOfOrders))};
                }
            } else {
                throw std::runtime_error("unexpected MsgType " + type);
            }
        }
    } catch (std::exception& e) {
        std::cerr << argv[3] << ": message " << n << ": " << e.what() << "\n";
        return 1;
    }
    for (auto& sb : books)
        for (auto& l : sb.second)
            std::cout << sb.first << " " << (std::get<0>(l.first) == '0' ? 'B' : 'S') << " "
                      << std::get<1>(l.first) << " " << l.second.first << " "
                      << l.second.second << "\n";
    std::cout << "messages " << n << " snapshots " << snapshots << " increments " << increments
              << " trades " << trades << "\n";
    return 0;
}
